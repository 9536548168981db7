import Foundation
import FnhostProject
import FnhostTestSupport

/// A small poehali.dev-style export in a temporary folder, made from the test functions:
/// `backend/` with `echo` (its tests.json) and `env-check` (tests of the variables the workers get),
/// an `index.py` function that reads variables nobody sets, `db_migrations/` qualifying names with
/// a project schema, and a `.env` holding a sentinel secret. ``remove()`` stops the clusters fnhost
/// started for it and deletes everything.
final class DemoProject {
    let root: URL
    /// A value only the `.env` holds: it must never appear in any output.
    let secret = "sentinel-SECRET-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
    static let schema = "t_p4242_demo"

    init(environmentFile: String? = nil) throws {
        root = URL(fileURLWithPath: "/tmp/fnhost-demo-\(UUID().uuidString.prefix(8).lowercased())")
        let backend = root.appendingPathComponent("backend")
        for folder in ["echo", "env-check", "reader", "../db_migrations"] {
            try FileManager.default.createDirectory(at: backend.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        let echo = PackageRoot.url.appendingPathComponent("Tests/Fixtures/functions/echo")
        for file in ["function.json", "tests.json"] {
            try FileManager.default.copyItem(at: echo.appendingPathComponent(file), to: backend.appendingPathComponent("echo/" + file))
        }
        try write("backend/func2url.json", """
            {"echo": "https://functions.poehali.dev/0e1a5b6c-1111-4aaa-8bbb-000000000001",
             "env-check": "https://functions.poehali.dev/0e1a5b6c-7777-4aaa-8bbb-000000000007",
             "reader": "https://functions.poehali.dev/0e1a5b6c-8888-4aaa-8bbb-000000000008"}
            """)
        try write("backend/env-check/tests.json", """
            {"tests": [
              {"name": "a .env variable reaches the workers", "method": "GET", "path": "/?name=PROJECT_GREETING&equals=from%20dotenv",
               "expectedStatus": 200, "expectedBody": {"set": true, "matches": true}},
              {"name": "the shell wins over .env", "method": "GET", "path": "/?name=SHELL_WINS&equals=shell",
               "expectedStatus": 200, "expectedBody": {"matches": true}},
              {"name": "MAIN_DB_SCHEMA is inferred from the migrations", "method": "GET", "path": "/?name=MAIN_DB_SCHEMA&equals=\(Self.schema)",
               "expectedStatus": 200, "expectedBody": {"matches": true}},
              {"name": "DATABASE_URL is provided", "method": "GET", "path": "/?name=DATABASE_URL", "expectedStatus": 200,
               "expectedBody": {"set": true}}
            ]}
            """)
        try write("backend/reader/index.py", """
            import os
            from os import environ

            def handler(event, context):
                token = os.environ['UNSET_API_KEY']
                region = environ.get('UNSET_REGION', 'ru-central1')
                greeting = os.getenv('PROJECT_GREETING')
                return {'statusCode': 200, 'body': token + region + greeting}
            """)
        try write("db_migrations/V0001__notes.sql", "CREATE TABLE \(Self.schema).notes (id SERIAL PRIMARY KEY, text TEXT NOT NULL);\n")
        try write(".env", environmentFile ?? """
            # the demo's variables
            export PROJECT_GREETING="from dotenv"
            SHELL_WINS=dotenv
            SECRET_TOKEN='\(secret)'
            """)
    }

    var path: String { root.path }

    func write(_ relativePath: String, _ text: String) throws {
        try text.write(to: root.appendingPathComponent(relativePath), atomically: true, encoding: .utf8)
    }

    /// The project's run folder under `runDirectory` (`<run dir>/projects/<slug>`), as fnhost computes it.
    func stateDirectory(runDirectory: String) throws -> String {
        try ProjectLayout(project: path, functions: nil, environmentFile: nil).stateDirectory(runDirectory: runDirectory)
    }

    /// Where `fnhost test --project` keeps this project's cluster: under the checkout's `.run`.
    var testStateDirectory: String {
        get throws { try stateDirectory(runDirectory: PackageRoot.url.appendingPathComponent(".run").path) }
    }

    /// Stops and deletes the cluster of `<state>/pg` (wherever scripts/pg keeps it: as root, one
    /// below a folder postgres cannot enter lives outside) and deletes the state folder.
    static func removeState(_ state: String) {
        if FileManager.default.fileExists(atPath: state + "/pg") { _ = try? ThrowawayCluster.script("destroy", state + "/pg", capture: false) }
        // The folder nginx's workers used, when it had to live outside (serve records it in the state folder).
        if let outside = try? FileManager.default.destinationOfSymbolicLink(atPath: state + "/nginx-facing") {
            try? FileManager.default.removeItem(atPath: outside)
        }
        try? FileManager.default.removeItem(atPath: state)
    }

    func remove() {
        if let state = try? testStateDirectory { Self.removeState(state) }
        try? FileManager.default.removeItem(at: root)
    }
}
