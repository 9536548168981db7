import Foundation
import PythonTooling
import Synchronization

/// A tiny poehali.dev export of two Python functions in a temporary folder: `callee` answers with
/// what it received, `caller` calls it (or another URL) by the hard-coded public URL, as exported
/// functions do. Both use one virtual environment, made once (and kept in the temporary folder) with
/// `python3.11 -m venv` (and `requests` installed with pip when PyPI is reachable) and linked into
/// each stack's run folder where `fnhost serve` looks for it.
final class PythonCallerProject {
    static let calleeUUID = "5f0c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f"
    static let callerUUID = "9a8b7c6d-5e4f-4a3b-9c2d-1e0f2a3b4c5d"

    /// The export's `backend/` folder.
    let functions: URL

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-pyproject-\(UUID().uuidString.prefix(8))")
        functions = root.appendingPathComponent("backend")
        for name in ["callee", "caller"] {
            try FileManager.default.createDirectory(at: functions.appendingPathComponent(name), withIntermediateDirectories: true)
        }
        try write(
            "func2url.json",
            """
            {"callee": "https://functions.poehali.dev/\(Self.calleeUUID)",
             "caller": "https://functions.poehali.dev/\(Self.callerUUID)"}
            """)
        try write("callee/index.py", Self.callee)
        try write("caller/index.py", Self.caller)
    }

    private func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: functions.appendingPathComponent(path))
    }

    func remove() {
        try? FileManager.default.removeItem(at: functions.deletingLastPathComponent())
    }

    /// Links the shared virtual environment into `runDirectory` where serve's workers look for it.
    func installEnvironment(runDirectory: URL) throws {
        let shared = try Self.sharedEnvironment()
        let store = PythonEnvironmentStore(root: runDirectory.path + "/python/envs")
        try FileManager.default.createDirectory(atPath: store.root, withIntermediateDirectories: true)
        for name in ["callee", "caller"] {
            let target = store.path(key: store.key(functionFolder: functions.appendingPathComponent(name).path))
            if !FileManager.default.fileExists(atPath: target) {
                try FileManager.default.createSymbolicLink(atPath: target, withDestinationPath: shared.path)
            }
        }
    }

    /// Whether `requests` could be installed into the shared environment.
    static var hasRequests: Bool { state.withLock { $0?.hasRequests ?? false } }

    private static let state = Mutex<(path: String, hasRequests: Bool)?>(nil)

    /// The virtual environment of the empty requirements set, kept between test runs in the
    /// temporary folder (made once: in a folder of its own, then renamed into place).
    private static func sharedEnvironment() throws -> URL {
        try state.withLock { state in
            if let state { return URL(fileURLWithPath: state.path) }
            let store = PythonEnvironmentStore(root: "/unused")
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
                "fnhost-test-pyenv-\(store.key(requirements: []))")
            if !FileManager.default.fileExists(atPath: folder.path + "/.fnhost-ready") {
                let building = folder.path + ".building-\(getpid())"
                try? FileManager.default.removeItem(atPath: building)
                let (made, output) = try run(store.python, ["-m", "venv", building], timeoutSeconds: 120)
                guard made else { throw StackError("\(store.python) -m venv failed:\n\(output)") }
                // requests when PyPI is reachable; without it the requests call is not checked.
                _ = try run(
                    building + "/bin/python3", ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "requests"],
                    timeoutSeconds: 180)
                guard FileManager.default.createFile(atPath: building + "/.fnhost-ready", contents: nil) else {
                    throw StackError("cannot write \(building)/.fnhost-ready")
                }
                if !FileManager.default.fileExists(atPath: folder.path + "/.fnhost-ready") {
                    try? FileManager.default.removeItem(at: folder)  // a build cut short
                }
                if rename(building, folder.path) != 0 {
                    // Another test run finished first: use its environment.
                    try? FileManager.default.removeItem(atPath: building)
                }
            }
            let (hasRequests, _) = try run(folder.path + "/bin/python3", ["-c", "import requests"], timeoutSeconds: 30)
            state = (folder.path, hasRequests)
            return folder
        }
    }

    /// Runs a program to its end (killed past the deadline); its success and output.
    static func run(_ program: String, _ arguments: [String], timeoutSeconds: Double) throws -> (Bool, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let reader = Holder<Data>()
        Thread.detachNewThread { reader.set(output.fileHandleForReading.readDataToEndOfFile()) }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }  // SIGTERM may be blocked (inherited)
        process.waitUntilExit()
        while reader.value == nil, Date() < deadline.addingTimeInterval(5) { Thread.sleep(forTimeInterval: 0.01) }
        let text = String(decoding: reader.value ?? Data(), as: UTF8.self)
        return (process.terminationReason == .exit && process.terminationStatus == 0, text)
    }

    static let callee = """
        import json


        def handler(event, context):
            return {
                "statusCode": 200,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({
                    "callee": context.function_name,
                    "method": event["httpMethod"],
                    "query": event["queryStringParameters"],
                    "body": event["body"],
                    "host": event["headers"].get("Host", ""),
                }),
            }

        """

    static let caller = """
        import http.client
        import json
        import ssl
        import urllib.error
        import urllib.request

        CALLEE_UUID = "\(calleeUUID)"
        CALLEE = "https://functions.poehali.dev/" + CALLEE_UUID


        def answer(value):
            return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(value)}


        def handler(event, context):
            query = event.get("queryStringParameters") or {}
            mode = query.get("mode", "")
            if mode == "urllib":
                with urllib.request.urlopen(CALLEE + "?via=urllib", timeout=10) as response:
                    return answer({"status": response.status, "answer": json.loads(response.read())})
            if mode == "http.client":
                connection = http.client.HTTPSConnection("functions.poehali.dev", timeout=10)
                connection.request("POST", "/" + CALLEE_UUID + "?via=http.client", body=json.dumps({"n": 42}),
                                   headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                return answer({"status": response.status, "answer": json.loads(response.read())})
            if mode == "requests":
                import requests
                response = requests.post(CALLEE + "?via=requests", json={"n": 7}, timeout=10)
                return answer({"status": response.status_code, "answer": response.json()})
            if mode == "forward":
                url = "https://functions.poehali.dev/" + query["uuid"] + "?probe=1"
                try:
                    with urllib.request.urlopen(url, timeout=10) as response:
                        return answer({"status": response.status, "body": response.read().decode()})
                except urllib.error.HTTPError as error:
                    return answer({"status": error.code, "body": error.read().decode()})
            if mode == "other-host":
                url = query["url"]
                result = {}
                try:
                    urllib.request.urlopen(url, timeout=10).read()
                    result["verified"] = "accepted"
                except urllib.error.URLError as error:
                    result["verified"] = "refused: %s" % (error.reason,)
                unverified = ssl._create_unverified_context()
                with urllib.request.urlopen(url, timeout=10, context=unverified) as response:
                    result["unverifiedStatus"] = response.status
                return answer(result)
            return {"statusCode": 400, "body": "unknown mode"}

        """
}
