import Testing
import TryOnCore

@Suite("TryOnWorkerSettings")
struct TryOnWorkerSettingsTests {
    @Test func defaults() {
        let settings = TryOnWorkerSettings(environment: [:])
        #expect(settings.replicateToken == nil)
        #expect(settings.replicateBaseURL == "https://api.replicate.com")
        #expect(settings.modelVersion == TryOnWorkerSettings.pinnedModelVersion)
        #expect(settings.modelVersion == "c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4")
        #expect(settings.workerToken == nil)
        #expect(settings.leaseSeconds == 30)
        #expect(settings.reserveMilliseconds == 8000)
        #expect(settings.cancelAfter == "5m")
        #expect(settings.storage.directory == ".run/results")
        #expect(settings.storage.publicBaseURL == "http://127.0.0.1:8080/results")
        // locked_by: "<host>:<pid>".
        let parts = settings.workerId.split(separator: ":")
        #expect(parts.count == 2)
        #expect(parts.last.flatMap { Int($0) } != nil)
    }

    @Test func environmentOverrides() {
        let settings = TryOnWorkerSettings(environment: [
            "REPLICATE_API_TOKEN": "r8_token", "REPLICATE_BASE_URL": "http://127.0.0.1:9999",
            "REPLICATE_MODEL_VERSION": "v2", "WORKER_TOKEN": "w-secret", "LEASE_SECONDS": "45",
            "WORKER_RESERVE_MS": "3000", "REPLICATE_CANCEL_AFTER": "3m",
            "STORAGE_DIR": "/data/results", "STORAGE_PUBLIC_URL": "https://img.test/results",
        ])
        #expect(settings.replicateToken == "r8_token")
        #expect(settings.replicateBaseURL == "http://127.0.0.1:9999")
        #expect(settings.modelVersion == "v2")
        #expect(settings.workerToken == "w-secret")
        #expect(settings.leaseSeconds == 45)
        #expect(settings.reserveMilliseconds == 3000)
        #expect(settings.cancelAfter == "3m")
        #expect(settings.storage.directory == "/data/results")
        #expect(settings.storage.publicBaseURL == "https://img.test/results")
    }

    @Test func emptyOrOutOfRangeValues() {
        let settings = TryOnWorkerSettings(environment: [
            "REPLICATE_API_TOKEN": "", "WORKER_TOKEN": "", "LEASE_SECONDS": "0.5"
        ])
        #expect(settings.replicateToken == nil)
        #expect(settings.workerToken == nil)

        let garbage = TryOnWorkerSettings(environment: ["LEASE_SECONDS": "soon", "WAIT_CHECK_SECONDS": "later"])
        #expect(garbage.leaseSeconds == 30)
        #expect(garbage.configurationProblem == nil)
        #expect(garbage.waitCheckSeconds == 3)
    }

    @Test func callsNeverOutlastAThirdOfTheLeaseAndTooShortALeaseIsRefused() {
        #expect(TryOnWorkerSettings(environment: [:]).longestCallMilliseconds == 10_000)
        #expect(TryOnWorkerSettings(environment: ["LEASE_SECONDS": "45"]).longestCallMilliseconds == 15_000)
        let shortest = TryOnWorkerSettings(environment: ["LEASE_SECONDS": "3"])
        #expect(shortest.configurationProblem == nil)
        #expect(shortest.longestCallMilliseconds == TryOnWorkerSettings.minimumCallMilliseconds)
        for tooShort in ["2.9", "0.5", "0", "-4"] {
            let settings = TryOnWorkerSettings(environment: ["LEASE_SECONDS": tooShort])
            let problem = settings.configurationProblem ?? ""
            #expect(problem.hasPrefix("LEASE_SECONDS=\(tooShort) is too short"), "\(tooShort): \(problem)")
            #expect(problem.contains("at least 3 seconds"))
        }
    }

    @Test func webhooksByDefaultOnlyWhereTheyCanArrive() {
        let host = "http://127.0.0.1:8080"
        // Under fnhost serve with the stand-in: this host's replicate-webhook, checked every 30 s as a fallback.
        let standIn = TryOnWorkerSettings(environment: ["REPLICATE_BASE_URL": "http://127.0.0.1:9999", "FNHOST_BASE_URL": host])
        #expect(standIn.webhookURL == host + "/7d3f6a52-9c1e-4b8a-a0d4-5e2b8c61f947")
        #expect(standIn.waitCheckSeconds == 30)
        // Replicate itself cannot reach a development machine: the timer's checks alone, every 3 s.
        let real = TryOnWorkerSettings(environment: ["FNHOST_BASE_URL": host])
        #expect(real.webhookURL == nil)
        #expect(real.waitCheckSeconds == 3)
        let realWithSlash = TryOnWorkerSettings(environment: ["REPLICATE_BASE_URL": "https://api.replicate.com/", "FNHOST_BASE_URL": host])
        #expect(realWithSlash.webhookURL == nil)
        // Not under fnhost serve: nowhere to be called back.
        #expect(TryOnWorkerSettings(environment: ["REPLICATE_BASE_URL": "http://127.0.0.1:9999"]).webhookURL == nil)
        // The one setting: a public URL, or off.
        let given = TryOnWorkerSettings(environment: ["REPLICATE_WEBHOOK_URL": "https://tryon.example.com/7d3f6a52"])
        #expect(given.webhookURL == "https://tryon.example.com/7d3f6a52")
        let off = TryOnWorkerSettings(environment: [
            "REPLICATE_WEBHOOK_URL": "off", "REPLICATE_BASE_URL": "http://127.0.0.1:9999", "FNHOST_BASE_URL": host,
        ])
        #expect(off.webhookURL == nil)
        #expect(off.waitCheckSeconds == 3)
        #expect(TryOnWorkerSettings(environment: ["WAIT_CHECK_SECONDS": "0.1"]).waitCheckSeconds == 1)
        #expect(TryOnWorkerSettings(environment: ["REPLICATE_WEBHOOK_SECRET": "whsec_abc"]).webhookSecret == "whsec_abc")
    }
}
