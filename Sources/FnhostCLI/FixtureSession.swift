#if canImport(Glibc)
import Glibc
#endif
import FixtureRunner
import FunctionRuntime

/// Runs functions' `tests.json` through one transport and counts: a `PASS`/`FAIL` line per case on
/// stdout (with the failures indented below it), so that `fnhost test` can end with the summary.
struct FixtureSession {
    private(set) var passed = 0
    private(set) var failed = 0
    let transport: FixtureTransport
    let edge: EdgeOptions

    init(transport: FixtureTransport, edge: EdgeOptions) {
        self.transport = transport
        self.edge = edge
    }

    /// The summary line, always the last line `fnhost test` prints.
    var summary: String { "\(passed) passed, \(failed) failed" }

    /// Runs every case of `<catalog folder>/<name>/tests.json`; a file that cannot be read or parsed
    /// counts as one failure. In-process, the function's `function.json` environment is set first.
    mutating func run(_ spec: FunctionSpec, in catalog: FunctionCatalog, factory: FunctionRegistry.Factory?) {
        let file = "\(catalog.folder(of: spec))/tests.json"
        guard let bytes = FileBytes.read(file) else {
            record(false, "FAIL \(spec.name): cannot read \(file)")
            return
        }
        let suite: FixtureSuite
        do {
            suite = try FixtureSuite.parse(bytes, file: file)
        } catch {
            record(false, "FAIL \(spec.name): \(error)")
            return
        }
        if case .inProcess = transport {
            for (name, value) in spec.configuration.environment { setenv(name, value, 1) }
        }
        var executor: FixtureExecutor
        do {
            executor = try FixtureExecutor(transport: transport, spec: spec, factory: factory, edge: edge)
        } catch {
            record(false, "FAIL \(spec.name): \(error)")
            return
        }
        for fixture in suite.cases {
            let label = "\(spec.name) / \(fixture.name)"
            do {
                let verdict = FixtureJudge.judge(try executor.run(fixture), against: fixture)
                record(verdict.passed, (verdict.passed ? "PASS " : "FAIL ") + label, details: verdict.failures)
            } catch {
                record(false, "FAIL \(label)", details: ["\(error)"])
            }
        }
    }

    private mutating func record(_ passed: Bool, _ line: String, details: [String] = []) {
        if passed { self.passed += 1 } else { failed += 1 }
        print(line)
        for detail in details { print("     \(detail)") }
    }
}
