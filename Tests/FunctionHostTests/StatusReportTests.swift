import FunctionRuntime
import Testing

@testable import FunctionHost

/// The status page's renderings.
@Suite struct StatusReportTests {
    let report = StatusReport(
        uptimeSeconds: 12.34,
        pools: [
            StatusReport.Pool(
                function: "worker", poolSize: 4, busy: 1, idle: 3, accepted: 10, completed: 9, errors: 2, throttled: 3,
                timeouts: 1, crashes: 1, respawns: 2, recycled: 0, queueLength: 0, maxQueueLength: 5, maxActive: 4, slow: 1,
                timers: [StatusReport.Timer(name: "drain", cron: "*/5 * * * * *", nextFire: 1_735_732_805, fired: 7, skipped: 2, running: true, lastStatus: 200)])
        ],
        extras: ["task_queue": ["replicate_tasks": ["pending": 3, "failed": 1], "rescued_leases": 2]])

    @Test func jsonCarriesEveryNumber() throws {
        let json = report.json()
        let pool = try #require(json["functions"]?["worker"])
        for (key, value) in [("pool_size", 4), ("busy", 1), ("idle", 3), ("accepted", 10), ("errors", 2), ("throttled", 3), ("timeouts", 1), ("crashes", 1), ("respawns", 2), ("max_queue_length", 5), ("max_active", 4), ("slow", 1)] {
            #expect(pool[key]?.numberValue == Double(value), "\(key)")
        }
        let timer = try #require(pool["timers"]?.arrayValue?.first)
        #expect(timer["next_fire"] == "2025-01-01T12:00:05.000Z")
        #expect(timer["fired"] == 7 && timer["skipped"] == 2 && timer["running"] == true)
        #expect(json["task_queue"]?["rescued_leases"] == 2)
        #expect(json["uptime_seconds"] == 12.3)
    }

    @Test func prometheusHasTypedLabelledSamples() {
        let text = report.prometheus()
        #expect(text.contains("# TYPE fnhost_throttled_total counter\nfnhost_throttled_total{function=\"worker\"} 3\n"))
        #expect(text.contains("fnhost_workers_busy{function=\"worker\"} 1\n"))
        #expect(text.contains("fnhost_timer_skipped_total{function=\"worker\",trigger=\"drain\"} 2\n"))
        #expect(text.contains("fnhost_task_queue_replicate_tasks_pending 3\n"))
        #expect(text.contains("fnhost_task_queue_rescued_leases 2\n"))
        #expect(!text.contains("\n\n"))
    }

    @Test func aNamedClusterHostLabelsEverySampleAndSaysWhetherItLeads() throws {
        var named = report
        named.host = #"h"1"#
        named.cluster = StatusReport.Cluster(leadsTimers: false, timerLeader: "h2", state: "serving")
        let text = named.prometheus()
        #expect(text.contains(#"fnhost_throttled_total{host="h\"1",function="worker"} 3"#))
        #expect(text.contains(#"fnhost_timer_leader{host="h\"1"} 0"#))
        #expect(text.contains(#"fnhost_task_queue_rescued_leases{host="h\"1"} 2"#))
        let sampleLines = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(sampleLines.allSatisfy { $0.contains(#"host="h\"1""#) })
        let json = named.json()
        #expect(json["host"] == #"h"1"#)
        #expect(json["cluster"]?["leads_timers"] == false && json["cluster"]?["timer_leader"] == "h2")
        #expect(StatusReport.table(json).contains("host: h\"1"))
    }

    @Test func theTableHasARowPerFunctionAndTheTimers() {
        let table = StatusReport.table(report.json())
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("function") == true)
        #expect(lines[1].hasPrefix("worker") && lines[1].hasSuffix("1"))
        #expect(table.contains("worker / drain (*/5 * * * * *): fired 7, skipped 2, next 2025-01-01T12:00:05.000Z"))
        #expect(table.contains("uptime: 12 s"))
    }
}
