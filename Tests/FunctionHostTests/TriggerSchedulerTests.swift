import FunctionRuntime
import Testing

@testable import FunctionHost

/// The timer schedule with a fake clock: exact fire times, and ticks skipped when busy.
@Suite struct TriggerSchedulerTests {
    /// 2025-01-01T12:00:00Z.
    let start: Int64 = 1_735_732_800

    func trigger(_ cron: String, name: String = "t", enabled: Bool = true) throws -> TriggerConfiguration {
        TriggerConfiguration(name: name, schedule: try CronExpression(parsing: cron), enabled: enabled)
    }

    @Test func firesAtEveryScheduledSecondAndNotBetween() throws {
        var scheduler = TriggerScheduler(triggers: [(pool: 0, triggers: [try trigger("*/5 * * * * *")])], now: start)
        #expect(scheduler.nextWakeUp == start + 5)
        var fires: [Int64] = []
        for now in start...(start + 20) {
            for decision in scheduler.due(now: now, hasCapacity: { _ in true }) {
                if case .fire(let entry, let tick) = decision {
                    #expect(tick == now)
                    fires.append(now)
                    scheduler.finished(entry: entry, status: 200)
                }
            }
        }
        #expect(fires == [start + 5, start + 10, start + 15, start + 20])
        #expect(scheduler.entries[0].fired == 4 && scheduler.entries[0].skipped == 0)
        #expect(scheduler.entries[0].lastStatus == 200)
    }

    @Test func aTickWhileThePreviousInvocationRunsIsSkippedAndCounted() throws {
        var scheduler = TriggerScheduler(triggers: [(pool: 0, triggers: [try trigger("* * * * * *")])], now: start)
        #expect(scheduler.due(now: start + 1, hasCapacity: { _ in true }) == [.fire(entry: 0, tick: start + 1)])
        let second = scheduler.due(now: start + 2, hasCapacity: { _ in true })
        #expect(second == [.skip(entry: 0, reason: "the previous invocation is still running")])
        let third = scheduler.due(now: start + 3, hasCapacity: { _ in true })
        #expect(third.count == 1)
        scheduler.finished(entry: 0, status: 504)
        #expect(scheduler.due(now: start + 4, hasCapacity: { _ in true }) == [.fire(entry: 0, tick: start + 4)])
        #expect(scheduler.entries[0].fired == 2 && scheduler.entries[0].skipped == 2 && scheduler.entries[0].lastStatus == 504)
    }

    @Test func aTickWhenThePoolIsFullIsSkipped() throws {
        var scheduler = TriggerScheduler(
            triggers: [(pool: 0, triggers: [try trigger("* * * * * *")]), (pool: 1, triggers: [try trigger("* * * * * *")])],
            now: start)
        let decisions = scheduler.due(now: start + 1) { $0 == 1 }
        #expect(decisions == [.skip(entry: 0, reason: "every worker of the function is busy"), .fire(entry: 1, tick: start + 1)])
        #expect(!scheduler.entries[0].running && scheduler.entries[1].running)
    }

    @Test func aStalledHostDoesNotFireABurstOfMissedTicks() throws {
        var scheduler = TriggerScheduler(triggers: [(pool: 0, triggers: [try trigger("* * * * * *")])], now: start)
        // Nothing ran for a minute; one fire, and the next one is computed from now.
        #expect(scheduler.due(now: start + 60, hasCapacity: { _ in true }) == [.fire(entry: 0, tick: start + 1)])
        #expect(scheduler.entries[0].nextFire == start + 61)
        scheduler.finished(entry: 0, status: 200)
        #expect(scheduler.due(now: start + 60, hasCapacity: { _ in true }).isEmpty)
    }

    @Test func aHostStandingByLetsTicksPassAndFiresTheNextOneWhenItLeads() throws {
        var scheduler = TriggerScheduler(triggers: [(pool: 0, triggers: [try trigger("*/5 * * * * *")])], now: start)
        for now in start...(start + 10) {
            #expect(scheduler.due(now: now, leads: false, hasCapacity: { _ in true }).isEmpty)
        }
        // Not counted as fired or skipped: another host fired those ticks.
        #expect(scheduler.entries[0].fired == 0 && scheduler.entries[0].skipped == 0 && !scheduler.entries[0].running)
        #expect(scheduler.entries[0].nextFire == start + 15)
        #expect(scheduler.due(now: start + 15, leads: true, hasCapacity: { _ in true }) == [.fire(entry: 0, tick: start + 15)])
    }

    @Test func disabledTriggersNeverFireOnScheduleButCanBeFiredByHand() throws {
        var scheduler = TriggerScheduler(triggers: [(pool: 2, triggers: [try trigger("* * * * * *", name: "off", enabled: false)])], now: start)
        #expect(scheduler.nextWakeUp == nil)
        #expect(scheduler.due(now: start + 100, hasCapacity: { _ in true }).isEmpty)
        let entry = try #require(scheduler.entry(pool: 2, name: "off"))
        scheduler.firedByHand(entry: entry)
        #expect(scheduler.entries[entry].running && scheduler.entries[entry].fired == 1)
        scheduler.abandoned(entry: entry)
        #expect(!scheduler.entries[entry].running && scheduler.entries[entry].fired == 0 && scheduler.entries[entry].skipped == 1)
        #expect(scheduler.entry(pool: 2, name: "other") == nil)
        #expect(scheduler.entry(pool: 2, name: nil) == entry)
    }

    @Test func nextWakeUpIsTheEarliestOfAllTriggers() throws {
        let scheduler = TriggerScheduler(
            triggers: [(pool: 0, triggers: [try trigger("0 */10 * * * *", name: "a"), try trigger("30 * * * * *", name: "b")])],
            now: start)
        #expect(scheduler.nextWakeUp == start + 30)
    }
}

/// function.json `triggers`, parsed and refused.
@Suite struct TriggerConfigurationTests {
    func parse(_ json: String) throws(ConfigurationError) -> FunctionConfiguration {
        try FunctionConfiguration.parse(Array(json.utf8), file: "fn/function.json")
    }

    @Test func aTimerTriggerIsRead() throws {
        let configuration = try parse(#"{"triggers": [{"type": "timer", "name": "drain", "cron": "*/5 * * * * *", "payload": "go"}, {"type": "timer", "cron": "0 * * * * *", "payload": {"n": 1}, "enabled": false}]}"#)
        #expect(configuration.triggers.map(\.name) == ["drain", "timer-2"])
        #expect(configuration.triggers[0].payload == "go" && configuration.triggers[0].enabled)
        #expect(configuration.triggers[1].payload == #"{"n":1}"# && !configuration.triggers[1].enabled)
        #expect(configuration.triggers[0].schedule.text == "*/5 * * * * *")
    }

    @Test(arguments: [
        (#"{"triggers": {"type": "timer"}}"#, "\"triggers\" must be a list"),
        (#"{"triggers": [{"type": "queue", "cron": "* * * * * *"}]}"#, "\"triggers\"[0]: \"type\" must be \"timer\""),
        (#"{"triggers": [{"type": "timer"}]}"#, "\"triggers\"[0]: \"cron\" is required"),
        (#"{"triggers": [{"type": "timer", "cron": "61 * * * * *"}]}"#, "\"triggers\"[0]: invalid cron \"61 * * * * *\""),
        (#"{"triggers": [{"type": "timer", "cron": "* * *"}]}"#, "\"triggers\"[0]: invalid cron"),
        (#"{"triggers": [{"type": "timer", "cron": "* * * * * *", "every": 5}]}"#, "\"triggers\"[0] has an unknown key \"every\""),
        (#"{"triggers": [{"type": "timer", "cron": "* * * * * *", "name": "a"}, {"type": "timer", "cron": "* * * * * *", "name": "a"}]}"#, "\"triggers\"[1]: the name \"a\" is used twice"),
        (#"{"triggers": [{"type": "timer", "cron": "* * * * * *", "name": "bad name"}]}"#, "\"triggers\"[0]: \"name\" must be"),
    ])
    func invalidTriggersAreRefusedNamingFileTriggerAndReason(json: String, message: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            #expect(error.description.hasPrefix("fn/function.json "), "\(error)")
            #expect(error.description.contains(message), "\(error)")
        }
    }
}
