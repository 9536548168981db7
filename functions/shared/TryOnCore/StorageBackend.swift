import FunctionRuntime

/// Where the try-on worker keeps each step's image (`STORAGE_BACKEND`).
///
/// - `files` (the default): a file in the folder nginx serves at `/results/` on the host whose
///   worker ran the step. One machine: nginx answers every read from disk.
/// - `postgres`: the bytes in `replicate_result_files`, written in the same fenced statement that
///   records the step, so every host on the database can serve them (`fnhost serve --cluster`).
///   The worker's host also keeps a copy in its folder, as every host does once it has served one.
public enum StorageBackend: String, Sendable, CaseIterable {
    case files
    case postgres

    /// The backend `STORAGE_BACKEND` names: unset or empty is `files`.
    /// - Throws: `TryOnError` (`internal`) naming the value and the accepted ones, for anything else.
    public static func fromEnvironment(_ environment: [String: String]) throws(TryOnError) -> StorageBackend {
        guard let value = environment["STORAGE_BACKEND"], !value.isEmpty else { return .files }
        guard let backend = StorageBackend(rawValue: value) else {
            throw TryOnError(
                .internal,
                "STORAGE_BACKEND=\(value) is not a storage backend: use files (the default: a folder nginx serves) "
                    + "or postgres (the database, for several hosts)")
        }
        return backend
    }
}
