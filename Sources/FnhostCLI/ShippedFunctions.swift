import FunctionRuntime
import ReplicateAsyncStart
import ReplicateAsyncStatus
import ReplicateAsyncWorker

/// The functions the shipped `fnhost` binary can run, by their `functions/func2url.json` names.
public enum ShippedFunctions {
    public static var registry: FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("replicate-async-start", StartFunction.self)
        registry.register("replicate-async-worker", WorkerFunction.self)
        registry.register("replicate-async-status", StatusFunction.self)
        return registry
    }
}
