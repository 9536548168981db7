import Foundation

/// `openssl s_server -www` on a free loopback port with a self-signed certificate (for
/// `localhost` and 127.0.0.1) that no bundle trusts: a real HTTPS host whose certificate must be
/// refused. Stopped by `stop()`.
public final class SelfSignedTLSServer {
    public let port: Int
    public let folder: URL
    private let process: Process

    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-selfsigned-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = folder.appendingPathComponent("key.pem").path
        let certificate = folder.appendingPathComponent("cert.pem").path
        let made = try CommandRun(
            program: "/usr/bin/openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", certificate,
                "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            ], timeoutSeconds: 30)
        guard made.succeeded else { throw StackError("openssl req failed:\n\(made.output)") }
        port = try LoopbackSocket.freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-www", "-quiet"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let process = process
        guard poll(within: 10, until: { !process.isRunning || LoopbackSocket.accepts(port: port) }), process.isRunning else {
            stop()
            throw StackError("openssl s_server did not listen on \(port)")
        }
    }

    public var url: String { "https://127.0.0.1:\(port)/" }

    /// SIGKILL: a child of the test process inherits its blocked signals (SIGTERM among them).
    public func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }
}
