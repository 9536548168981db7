import ReplicateAsyncWorker
import Testing
import TryOnCore

@Suite("WorkerSettings")
struct WorkerSettingsTests {
    @Test func defaults() {
        let settings = WorkerSettings(environment: [:])
        #expect(settings.replicateToken == nil)
        #expect(settings.replicateBaseURL == "https://api.replicate.com")
        #expect(settings.modelVersion == WorkerSettings.pinnedModelVersion)
        #expect(settings.modelVersion == "c871bb9b046607b680449ecbae55fd8c6d945e0a1948644bf2361b3d021d3ff4")
        #expect(settings.workerToken == nil)
        #expect(settings.leaseSeconds == 30)
        #expect(settings.pollIntervalMilliseconds == 1000)
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
        let settings = WorkerSettings(environment: [
            "REPLICATE_API_TOKEN": "r8_token", "REPLICATE_BASE_URL": "http://127.0.0.1:9999",
            "REPLICATE_MODEL_VERSION": "v2", "WORKER_TOKEN": "w-secret", "LEASE_SECONDS": "45",
            "POLL_INTERVAL_MS": "250", "WORKER_RESERVE_MS": "3000", "REPLICATE_CANCEL_AFTER": "3m",
            "STORAGE_DIR": "/data/results", "STORAGE_PUBLIC_URL": "https://img.test/results",
        ])
        #expect(settings.replicateToken == "r8_token")
        #expect(settings.replicateBaseURL == "http://127.0.0.1:9999")
        #expect(settings.modelVersion == "v2")
        #expect(settings.workerToken == "w-secret")
        #expect(settings.leaseSeconds == 45)
        #expect(settings.pollIntervalMilliseconds == 250)
        #expect(settings.reserveMilliseconds == 3000)
        #expect(settings.cancelAfter == "3m")
        #expect(settings.storage.directory == "/data/results")
        #expect(settings.storage.publicBaseURL == "https://img.test/results")
    }

    @Test func emptyOrOutOfRangeValues() {
        let settings = WorkerSettings(environment: [
            "REPLICATE_API_TOKEN": "", "WORKER_TOKEN": "", "LEASE_SECONDS": "0.5", "POLL_INTERVAL_MS": "1",
        ])
        #expect(settings.replicateToken == nil)
        #expect(settings.workerToken == nil)
        #expect(settings.leaseSeconds == 2)
        #expect(settings.pollIntervalMilliseconds == 20)

        let garbage = WorkerSettings(environment: ["LEASE_SECONDS": "soon", "POLL_INTERVAL_MS": "fast"])
        #expect(garbage.leaseSeconds == 30)
        #expect(garbage.pollIntervalMilliseconds == 1000)
    }
}
