import FnhostTestSupport
import FunctionRuntime
import Foundation
import HTTPClient
import Testing

/// The function sockets as any local process sees them: who may connect (modes and group), and
/// that speaking FastCGI to one directly gives no more than a request through nginx does.
@Suite(.serialized) struct WorkerSocketTests {
    /// Where a running stack's sockets are: `<run>/sockets`, or in the folder `<run>/nginx-facing` names.
    static func socketDirectory(_ host: HostStack) -> String {
        let record = host.runDirectory.appendingPathComponent("nginx-facing").path
        let base = (try? FileManager.default.destinationOfSymbolicLink(atPath: record)) ?? host.runDirectory.path
        return base + "/sockets"
    }

    /// Checks the sockets folder and every socket in it: never world-accessible; as root, the
    /// folder is root's with nginx's workers' group (`nogroup`) and mode 0710, the sockets 0660 in
    /// that group; as another user, the folder is 0700 and the sockets 0660.
    static func expectPrivateSockets(_ host: HostStack, names: [String]) throws {
        let folder = socketDirectory(host)
        var status = stat()
        #expect(lstat(folder, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR, "\(folder) is a plain folder")
        let nginxGroup = getgrnam("nogroup").map { $0.pointee.gr_gid }
        if geteuid() == 0 {
            #expect(status.st_uid == 0)
            #expect(status.st_gid == nginxGroup)
            #expect(status.st_mode & 0o7777 == 0o710, "mode \(String(status.st_mode & 0o7777, radix: 8))")
        } else {
            #expect(status.st_uid == geteuid())
            #expect(status.st_mode & 0o7777 == 0o700, "mode \(String(status.st_mode & 0o7777, radix: 8))")
        }
        for name in names {
            let path = folder + "/" + name
            var socketStatus = stat()
            #expect(lstat(path, &socketStatus) == 0, "\(path) exists")
            #expect(socketStatus.st_mode & S_IFMT == S_IFSOCK, "\(path) is a socket")
            #expect(socketStatus.st_mode & 0o777 == 0o660, "\(path): mode \(String(socketStatus.st_mode & 0o777, radix: 8))")
            #expect(socketStatus.st_uid == geteuid())
            if geteuid() == 0 { #expect(socketStatus.st_gid == nginxGroup, "\(path) is in nginx's workers' group") }
        }
    }

    @Test func socketsAreReachableOnlyByTheHostAndNginxWorkers() throws {
        let host = try HostStack()
        defer { host.stop() }
        try Self.expectPrivateSockets(host, names: ["echo.sock", ".admin.sock"])
        #expect(try host.send("/echo").status == 200, "nginx's workers still reach the sockets")
    }

    /// A client speaking FastCGI to the try-on worker's socket sends everything a timer invocation
    /// ever carried (the trigger marker, a trigger's name, a timer event as the body): the worker
    /// treats it as the HTTP request it is, so WORKER_TOKEN is still required. A timer the master
    /// fires is still one.
    @Test func aForgedTimerIsAPlainRequestAndNeedsTheWorkerToken() throws {
        let stack = try TryOnStack(environment: ["WORKER_TOKEN": "s3cret-token", "WORKER_TRIGGER": "off"])
        defer { stack.stop() }
        let socket = Self.socketDirectory(stack.host) + "/replicate-async-worker.sock"
        let event = Event.timer(triggerId: "drain-queue", payload: "", epochMilliseconds: 1_700_000_000_000, eventId: "forged-1")
        let body = Array(try event.jsonText().utf8)
        for method in ["TIMER", "GET", "POST"] {
            let answer = try DirectFastCGIClient.exchange(
                socketPath: socket,
                parameters: [
                    ("REQUEST_METHOD", method), ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", String(body.count)),
                    ("FNHOST_TRIGGER", "timer"), ("FNHOST_TRIGGER_NAME", "drain-queue"), ("HTTP_FNHOST_TRIGGER", "timer"),
                    ("FNHOST_REQUEST_ID", "forged-\(method)"), ("DOCUMENT_URI", TryOnStack.workerPath), ("QUERY_STRING", ""),
                ],
                body: body)
            let status = try #require(answer, "the worker answered the \(method) request").status
            // As HTTP, TIMER is a method the worker does not take (405); GET and POST lack the token.
            #expect(status == (method == "TIMER" ? 405 : 401), "a forged \(method) timer is refused like any such request: \(status)")
        }
        // The master's own timer runs without the token.
        let admin = try #require(stack.host.adminPort.map { "http://127.0.0.1:\($0)" })
        let fired = try sendRequest(admin, "POST", "/trigger/replicate-async-worker")
        #expect(fired.status == 200 || fired.status == 202, "fired by hand: \(fired.status)")
        let finished = pollValue(within: 20, every: 0.05) {
            stack.host.logEvents("timer_finished").first { $0["function"] == "replicate-async-worker" }
        }
        #expect(finished?["status"] == 200, "the master's timer invocation: \(String(describing: finished))")
    }
}
