#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// The project's own storage for try-on images. Replicate deletes outputs after an hour, so every
/// step's output is copied here at once and `result_url` points here:
/// `<publicBaseURL>/<task>/step-<n>.<ext>`, whichever the backend.
///
/// The folder is what nginx serves at `/results/`: with the `files` backend the only copy, with
/// `postgres` a host's cache of the rows in `replicate_result_files` (see `StorageBackend`).
public struct ResultStorage: Sendable {
    /// Where each step's image is kept (`STORAGE_BACKEND`: `files` by default, or `postgres`).
    public var backend: StorageBackend
    /// The folder nginx serves (`STORAGE_DIR`, default `<FNHOST_RUN_DIR or .run>/results`).
    public var directory: String
    /// The URL that serves the stored images (`STORAGE_PUBLIC_URL`, default `<FNHOST_BASE_URL>/results`),
    /// without a trailing slash.
    public var publicBaseURL: String

    public init(directory: String, publicBaseURL: String, backend: StorageBackend = .files) {
        self.backend = backend
        self.directory = directory
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicBaseURL = base
    }

    /// From `STORAGE_BACKEND`, `STORAGE_DIR`, `STORAGE_PUBLIC_URL`, `FNHOST_RUN_DIR` and `FNHOST_BASE_URL`.
    /// - Throws: `TryOnError` when `STORAGE_BACKEND` names no backend.
    public static func fromEnvironment(_ environment: [String: String] = ProcessEnvironment.current) throws(TryOnError) -> ResultStorage {
        fromEnvironment(environment, backend: try StorageBackend.fromEnvironment(environment))
    }

    /// The folder and URL from the environment, with `backend` as given.
    public static func fromEnvironment(_ environment: [String: String], backend: StorageBackend) -> ResultStorage {
        let runDirectory = environment["FNHOST_RUN_DIR"] ?? ".run"
        let base = environment["FNHOST_BASE_URL"] ?? "http://127.0.0.1:8080"
        return ResultStorage(
            directory: environment["STORAGE_DIR"] ?? runDirectory + "/results",
            publicBaseURL: environment["STORAGE_PUBLIC_URL"] ?? base + "/results", backend: backend)
    }

    /// The public URL of a stored file.
    public func url(taskId: String, name: String) -> String {
        "\(publicBaseURL)/\(taskId)/\(name)"
    }

    /// The output of `step` (0-based) of `taskId` as a file of this storage.
    /// - Throws: `TryOnError` (`internal`) when the task id cannot name a folder.
    public func file(_ bytes: [UInt8], taskId: String, step: Int, contentType: String?) throws(TryOnError) -> ResultFile {
        guard FunctionCatalog.isValidName(taskId) else {
            throw TryOnError(.internal, "task id \(taskId) cannot name a folder")
        }
        return ResultFile(taskId: taskId, step: step, bytes: bytes, downloadedContentType: contentType)
    }

    /// Stores step `step`'s output as `<taskId>/step-<n>.<ext>` in the folder and returns its public
    /// URL (the `files` backend's whole store).
    public func store(_ bytes: [UInt8], taskId: String, step: Int, contentType: String?) throws(TryOnError) -> String {
        let file = try file(bytes, taskId: taskId, step: step, contentType: contentType)
        try write(file)
        return url(taskId: file.taskId, name: file.name)
    }

    /// Writes `file` into the folder as `<taskId>/<name>`: to a temporary dotfile (never served),
    /// then renamed, so a reader never sees half a file.
    public func write(_ file: ResultFile) throws(TryOnError) {
        guard FunctionCatalog.isValidName(file.taskId), ResultFilePath.isValidFileName(file.name) else {
            throw TryOnError(.internal, "\(file.taskId)/\(file.name) cannot name a stored file")
        }
        let folder = "\(directory)/\(file.taskId)"
        for path in [directory, folder] where mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw TryOnError(.internal, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let temporary = "\(folder)/.\(file.name).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TryOnError(.internal, "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        let bytes = file.bytes
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                close(descriptor)
                unlink(temporary)
                throw TryOnError(.internal, "writing \(temporary) failed")
            }
            offset += written
        }
        close(descriptor)
        guard rename(temporary, "\(folder)/\(file.name)") == 0 else {
            unlink(temporary)
            throw TryOnError(.internal, "cannot rename \(temporary)")
        }
    }
}
