import FunctionHost
import FunctionRuntime
import TryOnCore
import ReplicateAsyncStart
import ReplicateAsyncStatus
import ReplicateAsyncWorker
import ReplicateResults
import ReplicateWebhook

/// The functions the shipped `fnhost` binary can run, by their `functions/func2url.json` names.
public enum ShippedFunctions {
    public static var registry: FunctionRegistry {
        var registry = FunctionRegistry()
        registry.register("replicate-async-start", TryOnStartFunction.self)
        registry.register("replicate-async-worker", TryOnWorkerFunction.self)
        registry.register("replicate-async-status", TryOnStatusFunction.self)
        registry.register("replicate-webhook", TryOnWebhookFunction.self)
        registry.register(resultsFunction, TryOnResultsFunction.self)
        return registry
    }

    /// The function that answers for the stored images a host's folder lacks (read from the
    /// database), and the query parameter nginx passes it the rest of `/results/...` in.
    static let resultsFunction = "replicate-results"
    static let resultsPathParameter = "path"

    /// Whether `catalog` serves the shipped function `name` as compiled into this binary (not a
    /// project's own function of the same name in another language).
    static func serves(_ name: String, catalog: FunctionCatalog, registry: FunctionRegistry) -> Bool {
        catalog.functions.contains { $0.name == name && $0.language == .swift } && registry.factory(for: name) != nil
    }

    /// Where nginx sends a `/results/<task>/<file>` its folder lacks: the shipped results function,
    /// when it is served; nil otherwise (the folder alone, as for any project).
    static func resultsFallback(catalog: FunctionCatalog, registry: FunctionRegistry) -> NginxStaticFolder.Fallback? {
        guard serves(resultsFunction, catalog: catalog, registry: registry) else { return nil }
        return NginxStaticFolder.Fallback(function: resultsFunction, queryParameter: resultsPathParameter)
    }

    /// Why the try-on functions could not start with this environment's storage settings (a
    /// `STORAGE_BACKEND` that names no backend), checked by `serve` before anything starts; nil
    /// when they can, or when the catalog serves none of them.
    static func storageProblem(catalog: FunctionCatalog, registry: FunctionRegistry, environment: [String: String]) -> String? {
        let tryOn = ["replicate-async-worker", "replicate-webhook", resultsFunction]
        guard tryOn.contains(where: { serves($0, catalog: catalog, registry: registry) }) else { return nil }
        do {
            _ = try StorageBackend.fromEnvironment(environment)
            return nil
        } catch {
            return error.message
        }
    }

    /// The try-on task queue on the status page (counts by status, oldest pending, rescues), read
    /// every 5 s on the host's background thread when `DATABASE_URL` is set.
    public static var statusProviders: [StatusProvider] {
        guard ProcessEnvironment.value("DATABASE_URL") != nil else { return [] }
        return [StatusProvider(name: "task_queue", intervalSeconds: 5) { TaskQueueStatus.collect() }]
    }
}
