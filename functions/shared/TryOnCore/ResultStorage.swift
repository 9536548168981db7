#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// The project's own storage for try-on images: a folder nginx serves. Replicate deletes outputs
/// after an hour, so every step's output is copied here at once and `result_url` points here.
public struct ResultStorage: Sendable {
    /// Where files go (`STORAGE_DIR`, default `<FNHOST_RUN_DIR or .run>/results`).
    public var directory: String
    /// The URL that serves `directory` (`STORAGE_PUBLIC_URL`, default `<FNHOST_BASE_URL>/results`).
    public var publicBaseURL: String

    public init(directory: String, publicBaseURL: String) {
        self.directory = directory
        var base = publicBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicBaseURL = base
    }

    public static func fromEnvironment(_ environment: [String: String] = ProcessEnvironment.current) -> ResultStorage {
        let runDirectory = environment["FNHOST_RUN_DIR"] ?? ".run"
        let base = environment["FNHOST_BASE_URL"] ?? "http://127.0.0.1:8080"
        return ResultStorage(
            directory: environment["STORAGE_DIR"] ?? runDirectory + "/results",
            publicBaseURL: environment["STORAGE_PUBLIC_URL"] ?? base + "/results")
    }

    /// Stores `bytes` as `<taskId>/step-<n>.<ext>` (written to a temporary name, then renamed, so a
    /// reader never sees half a file) and returns its public URL.
    public func store(_ bytes: [UInt8], taskId: String, step: Int, contentType: String?) throws(TryOnError) -> String {
        guard FunctionCatalog.isValidName(taskId) else {
            throw TryOnError(.internal, "task id \(taskId) cannot name a folder")
        }
        let folder = "\(directory)/\(taskId)"
        for path in [directory, folder] where mkdir(path, 0o755) != 0 && errno != EEXIST {
            throw TryOnError(.internal, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let name = "step-\(step + 1).\(Self.fileExtension(contentType: contentType, bytes: bytes))"
        let temporary = "\(folder)/.\(name).\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TryOnError(.internal, "cannot write \(temporary): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                close(descriptor)
                unlink(temporary)
                throw TryOnError(.internal, "writing \(temporary) failed")
            }
            offset += written
        }
        close(descriptor)
        guard rename(temporary, "\(folder)/\(name)") == 0 else {
            unlink(temporary)
            throw TryOnError(.internal, "cannot rename \(temporary)")
        }
        return "\(publicBaseURL)/\(taskId)/\(name)"
    }

    /// png, jpg, webp or gif from the content type, else from the file's magic bytes; png by default.
    static func fileExtension(contentType: String?, bytes: [UInt8]) -> String {
        let type = contentType?.lowercased() ?? ""
        if type.contains("jpeg") || type.contains("jpg") || bytes.starts(with: [0xFF, 0xD8, 0xFF]) { return "jpg" }
        if type.contains("webp") || (bytes.count > 12 && bytes[8..<12].elementsEqual(Array("WEBP".utf8))) { return "webp" }
        if type.contains("gif") || bytes.starts(with: Array("GIF8".utf8)) { return "gif" }
        return "png"
    }
}
