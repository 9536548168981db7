#if canImport(Glibc)
import Glibc
#endif
import FnhostProject

/// The offline Replicate stand-in (the `replicate-standin` executable next to this one) as a child
/// of `fnhost test`, on a port the kernel picks: ready once it prints `listening on HOST:PORT`.
final class ReplicateStandInProcess {
    private let process: StackProcess
    /// `http://127.0.0.1:<port>`.
    let baseURL: String
    /// The token the functions send; the stand-in accepts any.
    static let token = "r8_offline_standin"

    /// Starts it and waits for its first line.
    /// - Parameters:
    ///   - delayMilliseconds: each prediction's time starting and then processing. Default 0 (done at once).
    ///   - filesDirectory: where it writes its output images.
    /// - Throws: `.serviceFailed` when it cannot start or exits before listening.
    init(delayMilliseconds: Int = 0, filesDirectory: String) throws(ProjectError) {
        process = try StackProcess(
            name: "replicate-standin",
            [Paths.siblingExecutable("replicate-standin"), "--port", "0", "--delay-ms", String(delayMilliseconds), "--quiet",
                "--files-dir", filesDirectory],
            standardOutput: .pipe, standardError: .discard)
        guard let first = process.readLine(), first.hasPrefix("listening on "), let colon = first.lastIndex(of: ":"),
            let port = Int(first[first.index(after: colon)...])
        else {
            process.stop(grace: .seconds(2))
            throw ProjectError(.serviceFailed, "replicate-standin (next to this binary) did not start listening")
        }
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Points `REPLICATE_BASE_URL` and `REPLICATE_API_TOKEN` of this process at the stand-in.
    func exportEnvironment() {
        setenv("REPLICATE_BASE_URL", baseURL, 1)
        setenv("REPLICATE_API_TOKEN", Self.token, 1)
    }

    func stop() {
        process.stop(grace: .seconds(5))
    }
}
