#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// Hot reload: a pool "rolls" to new workers when its function's files change (or on SIGHUP), the
/// way php-fpm reloads, without refusing or losing a request:
/// - every worker of the old generation is asked (in its scoreboard slot) to exit after its current
///   invocation, so invocations in flight finish on the old code;
/// - old workers not running an invocation are reserved (the same atomic claim as a dispatch, so a
///   held kept-alive connection comes back to the master) and replaced at once;
/// - requests keep queueing meanwhile and go to whichever worker is free, new ones first as the
///   old ones go.
/// A changed `requirements.txt` first builds the new environment (a child process, `preparation`),
/// and the pool rolls when that has finished. `func2url.json` and `function.json` changes re-read
/// the configuration: functions are added, removed or reconfigured, and nginx reloads.
extension Master {
    /// Starts watching the functions folder when `options.watch` is on.
    func startWatching() {
        guard options.watch else { return }
        do {
            let watcher = try FileWatcher()
            watcher.watchTree(options.functionsDirectory)
            self.watcher = watcher
        } catch {
            log.event("watch_failed", level: "error", ["error": .string(error.description)])
        }
    }

    /// The watcher's descriptor became readable.
    func watcherReadable() {
        guard let watcher else { return }
        debouncer.add(watcher.readChanges(), now: Clock.monotonicNanoseconds())
    }

    /// Acts on a batch of changes once it is due, and replaces workers of old generations.
    func serviceReload(now: UInt64) {
        let batch = debouncer.take(now: now)
        if !batch.isEmpty, !lifecycle.isWindingDown {
            let plan = ChangeClassifier(directory: options.functionsDirectory, functions: liveSpecs).plan(batch)
            if !plan.isEmpty { apply(plan) }
        }
        guard !lifecycle.isWindingDown else { return }
        for index in pools.places { replaceOldWorkers(pool: index, now: now) }
    }

    /// When the pending batch of changes falls due (monotonic ns), for the poll timeout.
    var reloadWakeUp: UInt64? { debouncer.dueAt }

    func apply(_ plan: ReloadPlan) {
        if plan.reloadConfiguration { reloadConfiguration(rollAll: false) }
        for name in plan.rebuild.sorted() {
            if let index = poolIndex(named: name) { prepareThenRoll(pool: index, reason: "requirements.txt changed") }
        }
        for name in plan.roll.sorted() {
            if let index = poolIndex(named: name), !preparing.values.contains(index) {
                roll(pool: index, reason: "files changed")
            }
        }
    }

    /// The pool of the function `name` being served (not removed).
    func poolIndex(named name: String) -> PoolIndex? {
        pools.firstPlace { $0.spec.name == name && !$0.removed }
    }

    /// The specs of the functions being served.
    var liveSpecs: [FunctionSpec] { pools.filter { !$0.removed }.map(\.spec) }

    /// SIGHUP: the configuration again, and every pool rolled (new code everywhere).
    func reloadOnSignal() {
        log.event("reload", ["reason": "SIGHUP"])
        reloadConfiguration(rollAll: true)
    }

    /// Reads `func2url.json` and every `function.json` again and applies the difference. An invalid
    /// configuration is logged and the one being served stays.
    func reloadConfiguration(rollAll: Bool) {
        guard let hooks = options.reload else {
            if rollAll { for index in pools.places where !pools[index].removed { roll(pool: index, reason: "SIGHUP") } }
            return
        }
        let catalog: FunctionCatalog
        do {
            catalog = try hooks.loadCatalog()
        } catch {
            log.event("reload_failed", level: "error", ["error": .string(String(describing: error)), "kept": "the configuration being served"])
            return
        }
        let diff = CatalogDiff(old: liveSpecs, new: catalog.functions)
        var rolled: Set<PoolIndex> = []
        for spec in diff.changed {
            guard let index = poolIndex(named: spec.name) else { continue }
            pools[index].spec = spec
            prepareThenRoll(pool: index, reason: "configuration changed")
            rolled.insert(index)
        }
        for spec in diff.added {
            do {
                let listener = try UnixListener(path: options.socketPath(for: spec.name), group: options.socketGroup)
                pools.append(FunctionPool(spec: spec, listener: listener))
                let index = PoolIndex(pools.count - 1)
                prepareThenRoll(pool: index, reason: "function added")
                rolled.insert(index)
            } catch {
                log.event("reload_failed", level: "error", ["function": .string(spec.name), "error": .string(error.description)])
            }
        }
        for name in diff.removed {
            guard let index = poolIndex(named: name) else { continue }
            pools[index].removed = true
            roll(pool: index, reason: "function removed")
            rolled.insert(index)
        }
        if rollAll {
            for index in pools.places where !pools[index].removed && !rolled.contains(index) {
                prepareThenRoll(pool: index, reason: "SIGHUP")
            }
        }
        if diff.changesRoutes {
            rebuildScheduler()
            do {
                try hooks.writeNginxConfiguration(catalog)
                if let nginx = companions.first(where: { $0.process.name == "nginx" && $0.pid > 0 }) { kill(nginx.pid, SIGHUP) }
            } catch {
                log.event("reload_failed", level: "error", ["step": "nginx configuration", "error": .string(String(describing: error))])
            }
        }
        // After nginx stopped routing to them, removed functions stop listening.
        for index in pools.places where pools[index].removed {
            pools[index].listener?.close()
            pools[index].listener = nil
        }
        if options.watch { watcher?.watchTree(options.functionsDirectory) }
        log.event("configuration_reloaded", [
            "added": .array(diff.added.map { .string($0.name) }), "removed": .array(diff.removed.map { .string($0) }),
            "changed": .array(diff.changed.map { .string($0.name) }),
        ])
    }

    /// Rolls a pool after its preparation (building its environment) has run, or at once when it
    /// needs none.
    func prepareThenRoll(pool index: PoolIndex, reason: String) {
        guard let command = options.reload?.preparation(pools[index].spec) else {
            roll(pool: index, reason: reason)
            return
        }
        if preparing.values.contains(index) {
            pendingPreparations.insert(index)  // again once the running one ends: files changed meanwhile
            return
        }
        do {
            let pid = try ProcessSpawner.spawn(command)
            preparing[pid] = index
            log.event("preparing", ["function": .string(pools[index].spec.name), "reason": .string(reason)])
        } catch {
            log.event("prepare_failed", level: "error", ["function": .string(pools[index].spec.name), "error": .string(error.description)])
            roll(pool: index, reason: reason)
        }
    }

    /// A preparation process ended: its pool rolls (a failed build makes the new workers answer
    /// 502 naming the failing requirement, which is what the user must see).
    func preparationExited(pid: pid_t, status: ExitStatus) {
        guard let index = preparing.removeValue(forKey: pid) else { return }
        log.event("prepared", ["function": .string(pools[index].spec.name), "status": .string(status.description)])
        if pendingPreparations.remove(index) != nil {
            prepareThenRoll(pool: index, reason: "files changed while preparing")
        } else {
            roll(pool: index, reason: "prepared")
        }
    }

    /// Starts a new generation of the pool's workers.
    func roll(pool index: PoolIndex, reason: String) {
        guard !lifecycle.isWindingDown else { return }
        pools[index].roll()
        pools[index].statistics.reloads += 1
        log.event("function_reloaded", [
            "function": .string(pools[index].spec.name), "generation": .number(Double(pools[index].generation)),
            "reason": .string(reason),
        ])
        replaceOldWorkers(pool: index, now: Clock.monotonicNanoseconds())
    }

    /// Replaces old-generation workers that are not running an invocation, and brings the pool to
    /// its desired size (a new concurrency, a removed function).
    func replaceOldWorkers(pool index: PoolIndex, now: UInt64) {
        let desired = pools[index].desiredWorkers
        for place in pools[index].replaceableWorkers {
            let worker = pools[index].workers[place]
            guard let scoreboard = worker.scoreboard, scoreboard.tryReserve() != nil else { continue }
            // Its last connection comes back to the master whatever the worker did with its own
            // copy (held it, or closed it on its way out after a retiring invocation): nginx may
            // send the next request on it.
            if let owned = worker.ownedConnection { watch(owned) }
            let control = pools[index].retireWorker(place, scoreboard: scoreboard)
            if control >= 0 { close(control) }  // it exits when its control socket closes
            if place.rawValue < desired { pools[index].workers[place] = spawnWorker(pool: index, now: now) }
        }
        // Places beyond the desired size stop respawning; missing ones start.
        for place in pools[index].workers.places where place.rawValue >= desired && !pools[index].workers[place].isAlive {
            pools[index].workers[place].respawnAt = .max
        }
        for place in pools[index].workers.places where place.rawValue < desired && pools[index].workers[place].respawnAt == .max {
            pools[index].workers[place] = spawnWorker(pool: index, now: now)
        }
        while pools[index].workers.count < desired {
            pools[index].workers.append(spawnWorker(pool: index, now: now))
        }
        if pools[index].removed, pools[index].busyCount == 0 {
            for pending in pools[index].queue {
                connections.answer(
                    pending.id, error: RuntimeError(.functionNotFound, "Function \(pools[index].spec.name) was removed"),
                    request: pending.request, now: now)
            }
            pools[index].queue.removeAll()
        }
    }

    /// The timer schedule again, for the current pools (in-flight trigger runs keep running but no
    /// longer report to an entry).
    func rebuildScheduler() {
        let timersOn = options.timers
        scheduler = TriggerScheduler(
            triggers: pools.places.filter { !pools[$0].removed }.map { index in
                (index, pools[index].spec.configuration.triggers.map { trigger in
                    var scheduled = trigger
                    scheduled.enabled = trigger.enabled && timersOn
                    return scheduled
                })
            },
            now: Clock.epochMilliseconds() / 1000)
        for descriptor in triggerRuns.keys { triggerRuns[descriptor]?.entry = nil }
    }
}
