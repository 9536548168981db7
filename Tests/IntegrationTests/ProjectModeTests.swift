import FnhostProject
import FnhostTestSupport
import Foundation
import HTTPClient
import Testing

/// Project mode and `fnhost test` with nothing set: the commands start what they need (the embedded
/// PostgreSQL through scripts/pg, the Replicate stand-in, a real `fnhost serve` stack), clean up
/// after themselves, and never print a value from `.env`.
@Suite(.serialized) struct ProjectModeTests {
    /// What a shell without configuration has: the variables `make test` sets are removed.
    static let nothingSet: Set<String> = ["DATABASE_URL", "MAIN_DB_SCHEMA", "REPLICATE_API_TOKEN", "REPLICATE_BASE_URL"]

    static func clusterRuns(_ folder: String) -> Bool {
        (try? ThrowawayCluster.script("status", folder, capture: false)) != nil
    }

    @Test func fnhostTestWithNothingSetPassesEveryShippedCase() throws {
        let cluster = PackageRoot.url.appendingPathComponent(".run/pg").path
        let runningBefore = Self.clusterRuns(cluster)
        let run = try CommandRun(["test", "--functions", "functions"], unset: Self.nothingSet)
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
        #expect(run.lastLine == "26 passed, 0 failed", "\(run.standardOutput)\n\(run.standardError)")
        // The machine is left as it was: a cluster the run started is stopped again.
        #expect(Self.clusterRuns(cluster) == runningBefore)
    }

    @Test func fnhostTestProjectRunsTheCasesOnARealStackWithTheEnvFile() throws {
        let project = try DemoProject()
        defer { project.remove() }
        let run = try CommandRun(["test", "--project", project.path], environment: ["SHELL_WINS": "shell"], unset: Self.nothingSet)
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
        #expect(run.lastLine == "7 passed, 0 failed", "\(run.standardOutput)\n\(run.standardError)")
        #expect(run.standardError.contains("served by fnhost serve --project"), "\(run.standardError)")
        #expect(!(run.standardOutput + run.standardError).contains(project.secret))
        #expect(!Self.clusterRuns(try project.testStateDirectory + "/pg"), "the cluster the run started is stopped")
    }

    @Test func fnhostTestProjectRunsTheShippedFunctionsAsAnExport() throws {
        // The shipped functions laid out as a poehali.dev export (backend/, db_migrations/).
        let root = "/tmp/fnhost-shipped-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for (link, target) in [("backend", "functions"), ("db_migrations", "db_migrations")] {
            try FileManager.default.createSymbolicLink(
                atPath: root + "/" + link, withDestinationPath: PackageRoot.url.appendingPathComponent(target).path)
        }
        let state = try ProjectLayout(project: root, functions: nil, environmentFile: nil)
            .stateDirectory(runDirectory: PackageRoot.url.appendingPathComponent(".run").path)
        defer { DemoProject.removeState(state) }
        let run = try CommandRun(["test", "--project", root], unset: Self.nothingSet)
        #expect(run.status == 0, "\(run.standardOutput)\n\(run.standardError)")
        #expect(run.lastLine == "26 passed, 0 failed", "\(run.standardOutput)\n\(run.standardError)")
    }

    @Test func fnhostTestProjectFailsWithExitOneAndTheSummaryLast() throws {
        let project = try DemoProject()
        defer { project.remove() }
        // Without the shell's SHELL_WINS the .env value stays, and that case fails.
        let run = try CommandRun(["test", "--project", project.path], unset: Self.nothingSet.union(["SHELL_WINS"]))
        #expect(run.status == 1)
        #expect(run.lastLine == "6 passed, 1 failed", "\(run.standardOutput)\n\(run.standardError)")
        #expect(run.standardOutput.contains("FAIL env-check / the shell wins over .env"))
    }

    @Test func serveProjectMigratesPrintsTheDatabaseAndTheUnsetVariablesAndNoSecret() throws {
        let project = try DemoProject()
        defer { project.remove() }
        let stack = try HostStack(project: project.path, extraArguments: ["--no-timers"], unset: Self.nothingSet)
        let state = try project.stateDirectory(runDirectory: stack.runDirectory.path)
        defer { stack.stop() }
        defer { DemoProject.removeState(state) }

        var texts: [String] = []
        for path in ["/env-check?name=SECRET_TOKEN&equals=\(project.secret)", "/env-check?name=MAIN_DB_SCHEMA&equals=\(DemoProject.schema)"] {
            let response = try stack.send(path)
            #expect(response.json?["matches"] == true, "\(path): \(String(decoding: response.body, as: UTF8.self))")
            texts.append(String(decoding: response.body, as: UTF8.self))
        }
        // Error answers with the secret in every worker's environment: a missing function, a bad
        // path, a 500 from the handler. (The Python function `reader` is not called: its worker
        // program is not wired yet.)
        for path in ["/nowhere", "/echo/extra/segments", "/echo?status=500"] {
            let response = try stack.send(path)
            texts.append(String(decoding: response.body, as: UTF8.self))
            texts.append(response.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"))
        }

        let log = stack.log()
        #expect(log.contains("variables from \(project.path)/.env: PROJECT_GREETING, SHELL_WINS, SECRET_TOKEN"), "\(log)")
        #expect(log.contains("database: the embedded PostgreSQL"), "\(log)")
        #expect(log.contains("DATABASE_URL=postgresql://fnhost:"), "\(log)")
        #expect(log.contains("psql \"postgresql://"), "\(log)")
        #expect(log.contains("MAIN_DB_SCHEMA=\(DemoProject.schema) (inferred from the migrations)"), "\(log)")
        #expect(log.contains("migrations: 1 applied now, 0 already applied"), "\(log)")
        #expect(log.contains("UNSET_API_KEY  read by reader"), "\(log)")
        #expect(log.contains("UNSET_REGION   read by reader  (every read has a fallback)"), "\(log)")
        #expect(!log.contains("PROJECT_GREETING  read by"), "a variable from .env is set")
        for text in texts + [log] + Self.filesUnder(stack.runDirectory.path) {
            #expect(!text.contains(project.secret), "the secret leaked: \(text.prefix(2000))")
        }
    }

    @Test func startErrorsNameTheFileButNeverAValue() throws {
        let project = try DemoProject()
        defer { project.remove() }
        // A line without `=` that is itself a secret, and a quote that never closes.
        try project.write(".env", "GOOD=1\n\(project.secret)\n")
        let badLine = try CommandRun(["serve", "--project", project.path, "--port", "0"], unset: Self.nothingSet)
        #expect(badLine.status != 0)
        #expect(badLine.standardError.contains("\(project.path)/.env:2: expected KEY=value"), "\(badLine.standardError)")
        try project.write(".env", "GOOD=1\nTOKEN=\"\(project.secret)\n")
        let unclosed = try CommandRun(["test", "--project", project.path], unset: Self.nothingSet)
        #expect(unclosed.status != 0)
        #expect(unclosed.standardError.contains(".env:2: the double quote opened here is never closed"), "\(unclosed.standardError)")
        // A database URL whose password is the secret and whose server is nowhere.
        try project.write(".env", "DATABASE_URL=postgresql://fnhost:\(project.secret)@/fnhost?host=/tmp/fnhost-nowhere-\(UUID().uuidString.prefix(6))\n")
        let unreachable = try CommandRun(["serve", "--project", project.path, "--port", "0"], unset: Self.nothingSet)
        #expect(unreachable.status != 0)
        #expect(unreachable.standardError.contains("cannot migrate"), "\(unreachable.standardError)")
        for run in [badLine, unclosed, unreachable] {
            #expect(!(run.standardOutput + run.standardError).contains(project.secret), "\(run.standardError)")
        }
    }

    /// The text of every file under `folder` (the stack's logs and generated configuration), the
    /// database cluster's files aside.
    static func filesUnder(_ folder: String) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return [] }
        return walker.compactMap { entry in
            guard let name = entry as? String, !name.contains("/pg/") else { return nil }
            return try? String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }
    }
}
