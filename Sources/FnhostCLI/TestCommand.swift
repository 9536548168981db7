#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import FixtureRunner
import FunctionRuntime

/// `fnhost test [NAME...] [--url BASE]`: runs each function's tests.json.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run functions' tests.json cases, in this process or over HTTP through nginx (--url).",
        discussion: "Prints one line per case and ends with `N passed, N failed`. Exit status 1 when any failed.")

    @Argument(help: "Functions to test (default: every function that has a tests.json).") var names: [String] = []
    @Option(help: "Run over HTTP against this base URL (e.g. http://127.0.0.1:8080) instead of in-process.")
    var url: String?
    @OptionGroup var functions: FunctionsOptions
    @OptionGroup var edge: EdgeFlags

    func run() throws {
        let catalog = try functions.catalog()
        let selected = try names.isEmpty
            ? catalog.functions.filter { FileBytes.read("\(functions.directory)/\($0.name)/tests.json") != nil }
            : names.map { name in
                guard let spec = catalog.function(matching: name) else {
                    throw ValidationError("No function \"\(name)\" in \(functions.directory)/func2url.json")
                }
                return spec
            }
        var passed = 0
        var failed = 0
        for spec in selected {
            let file = "\(functions.directory)/\(spec.name)/tests.json"
            guard let bytes = FileBytes.read(file) else {
                print("FAIL \(spec.name): cannot read \(file)")
                failed += 1
                continue
            }
            let suite: FixtureSuite
            do {
                suite = try FixtureSuite.parse(bytes, file: file)
            } catch {
                print("FAIL \(spec.name): \(error)")
                failed += 1
                continue
            }
            for (name, value) in spec.configuration.environment where url == nil { setenv(name, value, 1) }
            var executor = try FixtureExecutor(
                transport: url.map { .http(base: $0) } ?? .inProcess, spec: spec,
                factory: FnhostMain.registry.factory(for: spec.name), edge: edge.options)
            for fixture in suite.cases {
                let label = "\(spec.name) / \(fixture.name)"
                do {
                    let response = try executor.run(fixture)
                    let verdict = FixtureJudge.judge(response, against: fixture)
                    if verdict.passed {
                        passed += 1
                        print("PASS \(label)")
                    } else {
                        failed += 1
                        print("FAIL \(label)")
                        for failure in verdict.failures { print("     \(failure)") }
                    }
                } catch {
                    failed += 1
                    print("FAIL \(label)\n     \(error)")
                }
            }
        }
        print("\(passed) passed, \(failed) failed")
        fflush(nil)
        if failed > 0 { throw ExitCode(1) }
    }
}
