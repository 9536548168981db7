import FunctionRuntime

/// Decides when each timer trigger fires. Pure: the time comes in as a parameter (Unix seconds,
/// UTC), so a test runs a day of schedule in microseconds.
///
/// A tick never piles up: when the trigger's previous invocation is still running, or its pool has
/// no worker to take it, the tick is skipped and counted; the next one is computed from now, so a
/// host that was stalled does not fire a burst of missed ticks.
struct TriggerScheduler {
    struct Entry {
        /// The pool of the function the trigger invokes.
        var pool: PoolIndex
        var trigger: TriggerConfiguration
        /// The next scheduled fire time (Unix seconds), nil when the schedule has none or the
        /// trigger is disabled.
        var nextFire: Int64?
        /// Whether its last invocation is still running.
        var running = false
        var fired = 0
        var skipped = 0
        /// The status of the last finished invocation (0: none yet).
        var lastStatus = 0
    }

    enum Decision: Equatable {
        /// Fire the entry's trigger for the tick scheduled at `tick` (Unix seconds).
        case fire(entry: Int, tick: Int64)
        case skip(entry: Int, reason: String)
    }

    private(set) var entries: [Entry] = []

    /// `triggers`: for each pool, its function's triggers. Schedules start after `now`.
    init(triggers: [(pool: PoolIndex, triggers: [TriggerConfiguration])], now: Int64) {
        for (pool, list) in triggers {
            for trigger in list {
                entries.append(Entry(pool: pool, trigger: trigger, nextFire: trigger.enabled ? trigger.schedule.nextFire(after: now) : nil))
            }
        }
    }

    /// What to do with every trigger due at `now`. `hasCapacity(pool)` tells whether the pool has a
    /// worker that could take an invocation now. Fired entries are marked running. `leads`: whether
    /// this host fires ticks (in a cluster only the timer leader does); a host standing by lets its
    /// due ticks pass uncounted, so its schedule stays in step and it fires the next tick if it
    /// becomes the leader.
    mutating func due(now: Int64, leads: Bool = true, hasCapacity: (PoolIndex) -> Bool) -> [Decision] {
        var decisions: [Decision] = []
        for index in entries.indices {
            guard let next = entries[index].nextFire, next <= now else { continue }
            entries[index].nextFire = entries[index].trigger.schedule.nextFire(after: now)
            if !leads {
                continue
            } else if entries[index].running {
                entries[index].skipped += 1
                decisions.append(.skip(entry: index, reason: "the previous invocation is still running"))
            } else if !hasCapacity(entries[index].pool) {
                entries[index].skipped += 1
                decisions.append(.skip(entry: index, reason: "every worker of the function is busy"))
            } else {
                entries[index].running = true
                entries[index].fired += 1
                decisions.append(.fire(entry: index, tick: next))
            }
        }
        return decisions
    }

    /// A fired invocation ended with `status` (0 when it never got an answer).
    mutating func finished(entry: Int, status: Int) {
        guard entries.indices.contains(entry) else { return }
        entries[entry].running = false
        entries[entry].lastStatus = status
    }

    /// A fire that could not be started after all (the pool refused it).
    mutating func abandoned(entry: Int) {
        guard entries.indices.contains(entry) else { return }
        entries[entry].running = false
        entries[entry].fired -= 1
        entries[entry].skipped += 1
    }

    /// The entry of `function`'s trigger named `name` (nil: its first trigger).
    func entry(pool: PoolIndex, name: String?) -> Int? {
        entries.indices.first { entries[$0].pool == pool && (name == nil || entries[$0].trigger.name == name) }
    }

    /// Marks an entry fired by hand (`fnhost trigger`), outside its schedule.
    mutating func firedByHand(entry: Int) {
        guard entries.indices.contains(entry) else { return }
        entries[entry].running = true
        entries[entry].fired += 1
    }

    /// The earliest scheduled fire time, or nil.
    var nextWakeUp: Int64? { entries.compactMap(\.nextFire).min() }
}
