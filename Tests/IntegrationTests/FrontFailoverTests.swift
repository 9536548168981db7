import FnhostTestSupport
import Foundation
import FunctionRuntime
import HTTPClient
import Testing

/// The front (`fnhost front`, its real nginx) before stand-in hosts that record every request: which
/// requests go to a second host when the first fails, and which never do. Active probes are off
/// here (`--probe-interval 0`): only nginx's own failover is tested. Each front is new, so its first
/// request goes to the first host listed (round robin starts there).
@Suite(.serialized) struct FrontFailoverTests {
    /// A marker no other request carries, for `?id=`.
    static func marker() -> String { "m" + String(UUID().uuidString.prefix(8)).lowercased() }

    static func withFront(_ upstream: [String], extraArguments: [String] = [], _ body: (FrontStack) throws -> Void) throws {
        let front = try FrontStack(upstream: upstream, extraArguments: extraArguments)
        defer { front.stop() }
        try body(front)
    }

    /// A loopback address nothing listens on: connections to it are refused.
    static func refusingAddress() throws -> String { "127.0.0.1:\(try LoopbackSocket.freePort())" }

    /// The JSON body of an error the front answered itself.
    static func expectFrontError(_ response: HTTPClientResponse, status: Int, type: String, _ context: String) {
        #expect(response.status == status, "\(context): \(response.text)")
        #expect(response.header("Content-Type") == "application/json", "\(context)")
        #expect(response.json?["errorType"]?.stringValue == type, "\(context): \(response.text)")
    }

    @Test func aGetGoesToTheNextHostWhenOneRefusesConnections() throws {
        let b = try StubClusterHost(name: "b")
        defer { b.stop() }
        try Self.withFront([try Self.refusingAddress(), b.address]) { front in
            for _ in 0..<4 {
                let id = Self.marker()
                let response = try front.send("GET", "/echo?id=\(id)")
                #expect(response.status == 200 && response.json?["host"] == "b", "\(response.text)\n\(front.log())")
                #expect(b.count(id) == 1)
            }
            #expect(front.log().contains("Connection refused"), "no GET was sent to the refusing host first:\n\(front.log())")
        }
    }

    @Test(arguments: [502, 503, 504]) func aGetGoesToTheNextHostWhenOneAnswers(status: Int) throws {
        let a = try StubClusterHost(name: "a", behaviour: .status(status))
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        try Self.withFront([a.address, b.address]) { front in
            var ids: [String] = []
            for method in ["GET", "HEAD", "OPTIONS", "GET"] {
                let id = Self.marker()
                ids.append(id)
                let response = try front.send(method, "/results/task-1/out.png?id=\(id)")
                #expect(response.status == 200, "\(method): \(response.status) \(response.text)\n\(front.log())")
                #expect(b.count(id) == 1, "\(method)")
            }
            let sentTwice = ids.filter { a.count($0) == 1 }
            #expect(!sentTwice.isEmpty, "no request reached the host answering \(status) first")
            for id in sentTwice { #expect(b.count(id) == 1, "sent again to the next host once") }
        }
    }

    /// A request of these methods that reached a host which then hung up is never sent to another:
    /// the other host never sees it, and the client gets the front's JSON 502.
    @Test(arguments: ["POST", "PATCH", "PUT", "DELETE", "PROPFIND"]) func aRequestThatReachedAHostIsNeverSentAgain(method: String) throws {
        let a = try StubClusterHost(name: "a", behaviour: .drop)
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        try Self.withFront([a.address, b.address]) { front in
            var reachedA = false
            for _ in 0..<4 where !reachedA {
                let id = Self.marker()
                let response = try front.send(method, "/echo?id=\(id)", body: Array("payload \(id)".utf8))
                if a.count(id) > 0 {
                    reachedA = true
                    #expect(a.count(id) == 1)
                    #expect(b.count(id) == 0, "\(method) was sent again to the other host")
                    Self.expectFrontError(response, status: 502, type: "HostUnavailable", method)
                    #expect(response.header("X-Function-Error") == "true")
                } else {
                    #expect(response.status == 200 && b.count(id) == 1, "\(method): \(response.text)")
                }
            }
            #expect(reachedA, "no \(method) reached the host that hangs up")
            // Nothing reached the other host twice, nor the hanging one.
            #expect(Set(b.received.map(\.target)).count == b.received.count)
            #expect(Set(a.received.map(\.target)).count == a.received.count)
        }
    }

    /// POST and PATCH go to the next host when the first refuses the connection (nothing was sent),
    /// their body intact.
    @Test(arguments: ["POST", "PATCH"]) func aPostToAHostRefusingConnectionsGoesToTheNext(method: String) throws {
        let b = try StubClusterHost(name: "b")
        defer { b.stop() }
        try Self.withFront([try Self.refusingAddress(), b.address]) { front in
            for _ in 0..<3 {
                let id = Self.marker()
                let response = try front.send(method, "/echo?id=\(id)", body: Array("payload \(id)".utf8))
                #expect(response.status == 200, "\(method): \(response.text)\n\(front.log())")
                #expect(response.json?["body"]?.stringValue == "payload \(id)")
                #expect(b.count(id) == 1)
            }
            let refusals = front.log().split(separator: "\n").filter { $0.contains("Connection refused") && $0.contains("\"\(method) /echo") }
            #expect(!refusals.isEmpty, "no \(method) was sent to the refusing host first:\n\(front.log())")
        }
    }

    /// PUT, DELETE and the other methods nginx would send again go to one more host only when
    /// nothing was sent to the first: a refused connection is tried on another host, body intact.
    @Test(arguments: ["PUT", "DELETE", "PROPFIND"]) func aPutToAHostRefusingConnectionsGoesToAnother(method: String) throws {
        let b = try StubClusterHost(name: "b")
        defer { b.stop() }
        try Self.withFront([try Self.refusingAddress(), b.address]) { front in
            for _ in 0..<3 {
                let id = Self.marker()
                let response = try front.send(method, "/echo?id=\(id)", body: Array("payload \(id)".utf8))
                #expect(response.status == 200 && response.json?["body"]?.stringValue == "payload \(id)", "\(method): \(response.text)")
                #expect(b.count(id) == 1)
            }
            let refusals = front.log().split(separator: "\n").filter { $0.contains("Connection refused") && $0.contains("\"\(method) /echo") }
            #expect(!refusals.isEmpty, "no \(method) was sent to the refusing host first:\n\(front.log())")
        }
    }

    /// A host that got the request and never answers: past --read-timeout a GET goes to the next
    /// host; any other method is the front's JSON 504, and the next host never sees it.
    @Test(arguments: ["GET", "POST", "PUT", "DELETE"]) func aHostThatNeverAnswers(method: String) throws {
        let a = try StubClusterHost(name: "a", behaviour: .hang)
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        try Self.withFront([a.address, b.address], extraArguments: ["--read-timeout", "1"]) { front in
            let id = Self.marker()
            let response = try front.send(method, "/echo?id=\(id)", body: method == "GET" ? [] : Array("payload".utf8))
            #expect(a.count(id) == 1, "the first request goes to the first host listed")
            if method == "GET" {
                #expect(response.status == 200 && b.count(id) == 1, "\(response.text)")
            } else {
                Self.expectFrontError(response, status: 504, type: "Timeout", method)
                #expect(b.count(id) == 0, "\(method) was sent again after a timeout")
            }
        }
    }

    /// With the hosts' functions (`--functions`), a GET to one waits for a host no longer than the
    /// function's timeout (1 s) plus the margin (7 s), then goes to the next host: under the client's
    /// 15 s, where the front's --read-timeout (an hour) would have held it. A stored image (no results
    /// function in this catalog: files only) waits the margin alone.
    @Test func aGetToAKnownFunctionLeavesAHostThatNeverAnswersAfterTheFunctionsTimeout() throws {
        let functions = try TemporaryFolder("front-functions")
        let uuid = "5f0e1d2c-3b4a-4958-8776-a5b4c3d2e1f0"
        try functions.write("func2url.json", #"{"quick": "https://functions.poehali.dev/\#(uuid)"}"#)
        try functions.write("quick/function.json", #"{"timeout": 1}"#)
        let a = try StubClusterHost(name: "a", behaviour: .hang)
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        try Self.withFront([a.address, b.address], extraArguments: ["--functions", functions.path]) { front in
            #expect(front.logEvents("front_started").first?["functions"] == .array([.string("quick")]), "\(front.log())")
            for path in ["/quick", "/\(uuid.uppercased())/", "/results/t/a.png"] {
                let id = Self.marker()
                let response = try front.send("GET", "\(path)?id=\(id)")
                #expect(response.status == 200 && response.json?["host"] == "b", "\(path): \(response.text)\n\(front.log())")
                #expect(b.count(id) == 1, "\(path)")
                if a.count(id) == 0 { continue }  // round robin sent it to b first
                #expect(a.count(id) == 1)
                #expect(front.log().contains("upstream timed out"), "\(front.log())")
            }
            #expect(!a.received.isEmpty, "no GET reached the host that never answers")
        }
    }

    /// A POST or PUT to a known function on a host that got it and never answers: the front's JSON
    /// 504 once the function's timeout (1 s) plus the margin (7 s) has passed, under the client's 15 s
    /// where the front's --read-timeout (an hour) would have held it, and never sent to another host.
    @Test(arguments: ["POST", "PUT"]) func aRequestToAKnownFunctionOnAHostThatNeverAnswersIs504AfterTheFunctionsTimeout(method: String) throws {
        let functions = try TemporaryFolder("front-functions")
        try functions.write("func2url.json", #"{"quick": "https://functions.poehali.dev/6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}"#)
        try functions.write("quick/function.json", #"{"timeout": 1}"#)
        let a = try StubClusterHost(name: "a", behaviour: .hang)
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        try Self.withFront([a.address, b.address], extraArguments: ["--functions", functions.path]) { front in
            let id = Self.marker()
            let response = try front.send(method, "/quick?id=\(id)", body: Array("payload".utf8))
            #expect(a.count(id) == 1, "the first request goes to the first host listed")
            Self.expectFrontError(response, status: 504, type: "Timeout", method)
            #expect(b.count(id) == 0, "\(method) was sent again after a timeout")
        }
    }

    @Test func errorsTheFrontAnswersItselfAreTheHostsJSON() throws {
        try Self.withFront([try Self.refusingAddress(), try Self.refusingAddress()]) { front in
            for method in ["GET", "POST", "PUT"] {
                let response = try front.send(method, "/echo")
                Self.expectFrontError(response, status: 502, type: "HostUnavailable", "\(method) with no host answering")
                #expect(response.header("X-Function-Error") == "true")
                #expect(response.header("X-Request-Id")?.count == 36)
            }
            // The internal locations are not reachable from outside.
            for path in ["/_fnhost_front/sent-once", "/_fnhost_front/one-host", "/_fnhost_error/502"] {
                Self.expectFrontError(try front.send("GET", path), status: 404, type: "FunctionNotFound", path)
            }
        }
        let b = try StubClusterHost(name: "b")
        defer { b.stop() }
        try Self.withFront([b.address]) { front in
            // Over the 3.5 MB a host takes: refused by the front, before any host sees it.
            let response = try front.send("POST", "/echo", body: [UInt8](repeating: 0x61, count: 3_584 * 1024 + 1))
            Self.expectFrontError(response, status: 413, type: "PayloadTooLarge", "a body over 3.5 MB")
            #expect(b.received.isEmpty)
            let fits = try front.send("POST", "/echo", body: [UInt8](repeating: 0x61, count: 3_584 * 1024))
            #expect(fits.status == 200, "a body of exactly 3.5 MB")
        }
    }

    /// GET, HEAD and OPTIONS reuse kept-alive connections to the hosts; the other methods open a new
    /// one each. Every request carries the client's address and scheme and its Host header.
    @Test func connectionsAndForwardedHeaders() throws {
        let b = try StubClusterHost(name: "b")
        defer { b.stop() }
        try Self.withFront([b.address]) { front in
            for _ in 0..<8 {
                let status = try front.send("GET", "/echo?id=\(Self.marker())").status
                #expect(status == 200)
            }
            let afterGets = b.acceptedConnections
            #expect(afterGets <= 2, "GETs did not reuse kept-alive connections: \(afterGets) for 8")
            for _ in 0..<4 {
                let status = try front.send("POST", "/echo?id=\(Self.marker())", body: [0x31]).status
                #expect(status == 200)
            }
            #expect(b.acceptedConnections == afterGets + 4, "each POST gets a connection of its own")
            for request in b.received {
                #expect(request.header("X-Forwarded-For") == "127.0.0.1")
                #expect(request.header("X-Real-IP") == "127.0.0.1")
                #expect(request.header("X-Forwarded-Proto") == "http")
                #expect(request.header("Host") == "127.0.0.1:\(front.port)")
                let connection = request.header("Connection")
                #expect(request.method == "GET" ? connection == nil : connection == "close", "\(request.method): \(connection ?? "none")")
            }
        }
    }

    /// The page and its func2url.json come from the front's own folder, as on one host; the rest
    /// (the stored images at /results/) from the hosts.
    @Test func thePageIsServedByTheFrontAndResultsByTheHosts() throws {
        let page = try TemporaryFolder("front-page")
        try page.write("web/index.html", "<!doctype html><title>front page</title>")
        try page.write("web/app.js", "console.log('front');")
        try page.write("functions/func2url.json", #"{"echo":"https://functions.poehali.dev/00000000-0000-4000-8000-000000000000"}"#)
        let a = try StubClusterHost(name: "a", behaviour: .status(503))
        let b = try StubClusterHost(name: "b")
        defer { a.stop(); b.stop() }
        try Self.withFront(
            [a.address, b.address], extraArguments: ["--page-dir", page.path + "/web", "--func2url", page.path + "/functions/func2url.json"]
        ) { front in
            let index = try front.send("GET", "/")
            #expect(index.status == 200 && index.text.contains("front page"))
            let func2url = try front.send("GET", "/func2url.json")
            #expect(func2url.status == 200 && func2url.header("Content-Type") == "application/json")
            #expect(func2url.json?["echo"]?.stringValue?.hasPrefix("https://functions.poehali.dev/") == true)
            #expect(try front.send("GET", "/app.js").text == "console.log('front');")
            #expect(a.received.isEmpty && b.received.isEmpty, "the page was served by a host")
            let image = try front.send("GET", "/results/task-1/out.png")
            #expect(image.status == 200 && image.json?["host"] == "b", "\(image.text)")
        }
    }

    @Test func badOptionsAreRefusedNamingWhatIsWrong() throws {
        for (list, says) in [
            ("127.0.0.1:8080,,127.0.0.1:8081", "an empty entry"), ("127.0.0.1", "no :PORT"), ("127.0.0.1:0", "not a number from 1 to 65535"),
            ("::1:8080", "in brackets"), ("127.0.0.1:8080,127.0.0.1:8080", "listed twice"), ("300.1.1.1:80", "not an IPv4 address"),
        ] {
            for command in [["front"], ["nginx-config", "--front"]] {
                let run = try CommandRun(command + ["--upstream", list, "--run-dir", NSTemporaryDirectory() + "fnhost-never"])
                #expect(!run.succeeded)
                #expect(run.standardError.contains(says), "\(command) --upstream \(list): \(run.standardError)")
            }
        }
        let missing = try CommandRun(["front", "--port", "1"])
        #expect(!missing.succeeded && missing.standardError.contains("--upstream is required"), "\(missing.standardError)")
        let never = NSTemporaryDirectory() + "fnhost-never"
        for (arguments, says) in [
            (["front", "--upstream", "127.0.0.1:1", "--probe-interval=-1", "--run-dir", never], "--probe-interval must be 0 to 3600 seconds"),
            (["front", "--upstream", "127.0.0.1:1", "--probe-timeout", "0", "--run-dir", never], "--probe-timeout must be"),
            (["front", "--upstream", "127.0.0.1:1", "--port", "70000", "--run-dir", never], "--port must be 1 to 65535, got 70000"),
            (["front", "--upstream", "127.0.0.1:1", "--host", "a b", "--run-dir", never], "--host \"a b\" is not an address"),
            (["front", "--upstream", "127.0.0.1:1", "--read-timeout", "0", "--run-dir", never], "--read-timeout must be 1 to 86400 seconds, got 0"),
            (["front", "--upstream", "127.0.0.1:1", "--max-fails", "101", "--run-dir", never], "--max-fails must be 0 to 100"),
            (["front", "--upstream", "127.0.0.1:1", "--func2url", "f.json", "--run-dir", never], "--func2url goes with --page-dir"),
            (["front", "--upstream", "127.0.0.1:1", "--page-dir", never, "--run-dir", never], "has no index.html"),
            (["nginx-config", "--max-fails", "2"], "--max-fails goes with --front"),
            (["nginx-config", "--upstream", "127.0.0.1:1"], "--upstream goes with --front"),
        ] {
            let run = try CommandRun(arguments)
            #expect(!run.succeeded && run.standardError.contains(says), "\(arguments): \(run.standardError)")
        }
    }
}
