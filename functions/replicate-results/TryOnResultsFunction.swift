import FunctionRuntime
import TryOnCore

/// `replicate-results` (GET `?path=<task>/<file>`): a stored try-on image, read from PostgreSQL
/// (`replicate_result_files`, the `postgres` storage backend). nginx passes it each
/// `/results/<task>/<file>` that is not in this host's folder, so a host serves the images of
/// tasks whose worker ran on another host, even one that is gone.
///
/// The answer is the file's bytes (base64 through the function contract, decoded by the host) with
/// its type, cacheable for good: a stored file never changes. The bytes are also copied into this
/// host's folder, so nginx serves the next read from disk. A file too large for a function's answer
/// (the platform's 3.5 MB of response JSON: about 2.7 MB of image) is copied and answered with a
/// 307 to its own URL, which nginx then serves from the folder; that needs `STORAGE_DIR` to be the
/// folder nginx serves (as `fnhost serve` sets it).
///
/// 400: the path is malformed; 404: no such file; 503: the database is unreachable.
/// Environment: `DATABASE_URL`, `MAIN_DB_SCHEMA`, `STORAGE_DIR`, `STORAGE_PUBLIC_URL` (default
/// `<FNHOST_BASE_URL>/results`), and `STORAGE_BACKEND`, which must name a backend.
public struct TryOnResultsFunction: CloudFunction {
    static let methods = "GET, HEAD, OPTIONS"
    static let headers = CORS.headers.merging(["Access-Control-Allow-Methods": methods]) { _, new in new }
    /// How long a client may keep a file: a year, and `immutable` (a stored file never changes).
    static let cacheForever = "public, max-age=31536000, immutable"
    /// The largest image answered in the response itself, bytes: as base64 (4 characters per 3
    /// bytes) it fits the platform's response limit with 4 KiB to spare for the rest.
    static let largestAnsweredBytes = (EdgeOptions.platform.maxResponseBytes - 4096) / 4 * 3

    private let storage: ResultStorage
    private var store: TaskStore?

    public init() throws {
        do {
            storage = try ResultStorage.fromEnvironment(ProcessEnvironment.current)
        } catch {
            throw error.with(headers: Self.headers)
        }
    }

    public mutating func handle(_ event: Event, context: Context) throws -> Response {
        switch event.httpMethod {
        case "OPTIONS": return CORS.preflight(methods: Self.methods)
        case "GET", "HEAD": break
        default: throw TryOnError(.methodNotAllowed, "Use GET to read a stored image", headers: Self.headers)
        }
        guard let text = event.queryStringParameters["path"] else {
            throw TryOnError(.invalidRequest, "path query parameter is required: <task>/<file>", headers: Self.headers)
        }
        guard (event.multiValueQueryStringParameters["path"]?.count ?? 1) == 1 else {
            throw TryOnError(.invalidRequest, "path query parameter is given more than once", headers: Self.headers)
        }
        let path: ResultFilePath
        do { path = try ResultFilePath(parsing: text) } catch { throw error.with(headers: Self.headers) }
        if store == nil { store = try TaskStore() }
        guard let store, let file = try store.resultFile(taskId: path.taskId, name: path.name) else {
            throw TryOnError(.notFound, "No stored image \(path.taskId)/\(path.name)", headers: Self.notFoundHeaders)
        }
        let copied = (try? storage.write(file)) != nil
        guard file.bytes.count <= Self.largestAnsweredBytes else {
            guard copied else {
                throw TryOnError(
                    .internal, "The image is too large to answer from the database and could not be copied to this host's folder",
                    headers: Self.headers)
            }
            var headers = Self.notFoundHeaders
            headers["Location"] = storage.url(taskId: file.taskId, name: file.name)
            return Response(statusCode: 307, headers: headers, body: "")
        }
        var answer = Response.binary(200, file.bytes, contentType: file.contentType)
        answer.headers.merge(Self.headers) { own, _ in own }
        answer.headers["Cache-Control"] = Self.cacheForever
        return answer
    }

    /// Answers that may change (a file not stored yet, a redirect): never cached.
    static let notFoundHeaders = headers.merging(["Cache-Control": "no-store"]) { _, new in new }
}
