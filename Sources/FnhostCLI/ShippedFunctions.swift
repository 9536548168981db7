import FunctionHost
import FunctionRuntime
import TryOnCore
import ReplicateAsyncStart
import ReplicateAsyncStatus
import ReplicateAsyncWorker
import ReplicateWebhook

/// The functions the shipped `fnhost` binary can run, by their `functions/func2url.json` names.
public enum ShippedFunctions {
    public static var registry: FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("replicate-async-start", TryOnStartFunction.self)
        registry.register("replicate-async-worker", TryOnWorkerFunction.self)
        registry.register("replicate-async-status", TryOnStatusFunction.self)
        registry.register("replicate-webhook", TryOnWebhookFunction.self)
        return registry
    }

    /// The try-on task queue on the status page (counts by status, oldest pending, rescues), read
    /// every 5 s on the host's background thread when `DATABASE_URL` is set.
    public static var statusProviders: [StatusProvider] {
        guard ProcessEnvironment.value("DATABASE_URL") != nil else { return [] }
        return [StatusProvider(name: "task_queue", intervalSeconds: 5) { TaskQueueStatus.collect() }]
    }
}
