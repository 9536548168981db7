import Foundation

/// A tiny poehali.dev export of two Python functions in a temporary folder: `callee` answers with
/// what it received, `caller` calls it (or another URL) by the hard-coded public URL, as exported
/// functions do (its `requirements.txt` names `requests`). Their environments are built by `serve`
/// into the tests' shared folder (`PythonStack.environments`).
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
        try write("caller/requirements.txt", "requests==2.32.3\n")
    }

    private func write(_ path: String, _ text: String) throws {
        try Data(text.utf8).write(to: functions.appendingPathComponent(path))
    }

    func remove() {
        try? FileManager.default.removeItem(at: functions.deletingLastPathComponent())
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
