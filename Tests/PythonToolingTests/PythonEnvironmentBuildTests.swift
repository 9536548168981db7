#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import PythonTooling

/// Real venvs and, for sets with requirements, a real pip against PyPI.
struct PythonEnvironmentBuildTests {
    static let empty = RequirementsSet(text: "")

    @Test func aBareEnvironmentHasItsInterpreterAndNoPip() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let key = store.key(of: Self.empty)
        try "an earlier failure".write(toFile: store.failurePath(key: key))
        let log = ProgressLog()

        let outcome = try store.build(Self.empty, functions: ["hello"], progress: log.add)

        let path = store.path(key: key)
        guard case .built(path, _) = outcome else {
            Issue.record("expected a build, got \(outcome)")
            return
        }
        #expect(access(path + "/bin/python3", X_OK) == 0)
        #expect(!TestStore.exists(path + "/bin/pip"))
        #expect(store.status(key: key) == .ready(path: path))
        #expect(!TestStore.exists(store.failurePath(key: key)), "a successful build removes the failure record")
        #expect(log.lines.allSatisfy { $0.hasPrefix("python env \(key) (hello): ") })
        #expect(!log.lines.contains { $0.contains("installing") })
        let run = try ProcessRunner.run([path + "/bin/python3", "-c", "import sys; print(sys.prefix)"], environment: [], timeout: .seconds(60))
        #expect(run.lines == [path])
        #expect(try store.build(Self.empty) == .alreadyReady(path: path))
        #expect(TestStore.leftovers(store).isEmpty)
    }

    @Test func rebuildReplacesTheEnvironment() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let path = try store.build(Self.empty).path
        try "from the old build".write(toFile: path + "/old-marker")

        let outcome = try store.build(Self.empty, options: .init(rebuild: true))

        guard case .built(path, _) = outcome else {
            Issue.record("expected a rebuild, got \(outcome)")
            return
        }
        #expect(!TestStore.exists(path + "/old-marker"))
        #expect(access(path + "/bin/python3", X_OK) == 0)
        #expect(TestStore.leftovers(store).isEmpty)
    }

    @Test func aBuildPastItsTimeoutLeavesOnlyAFailureRecord() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let key = store.key(of: Self.empty)
        #expect {
            try store.build(Self.empty, options: .init(timeout: 0.001))
        } throws: { ($0 as? PythonToolingError)?.code == .timedOut }
        guard case .failed(let message) = store.status(key: key) else {
            Issue.record("expected a failure record, got \(store.status(key: key))")
            return
        }
        #expect(message.contains("timeout"))
        #expect(!TestStore.exists(store.path(key: key)))
        #expect(TestStore.leftovers(store).isEmpty)
    }

    @Test func timeoutsBecomeBoundedDurations() {
        #expect(PythonEnvironmentStore.duration(seconds: 1.5) == .milliseconds(1500))
        #expect(PythonEnvironmentStore.duration(seconds: .nan) == .zero)
        #expect(PythonEnvironmentStore.duration(seconds: -3) == .zero)
        #expect(PythonEnvironmentStore.duration(seconds: .infinity) == .seconds(365 * 86_400))
    }

    @Test func aSmallPackageInstallsAndImports() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let six = RequirementsSet(text: "six==1.16.0\n")
        let log = ProgressLog()

        let path = try store.build(six, functions: ["login", "register"], progress: log.add).path

        let run = try ProcessRunner.run(
            [path + "/bin/python3", "-c", "import six; print(six.__version__)"], environment: [], timeout: .seconds(60))
        #expect(run.lines == ["1.16.0"])
        let prefix = "python env \(store.key(of: six)) (login, register): "
        #expect(log.lines.contains(prefix + "installing 1 requirement"))
        #expect(log.lines.contains(prefix + "Collecting six==1.16.0"))
        #expect(log.lines.contains(prefix + "Installing collected packages: six"))
        // Scripts name the final folder, not the temporary one they were built in.
        let pip = TestStore.read(path + "/bin/pip") ?? ""
        #expect(pip.hasPrefix("#!\(path)/bin/python"))
        #expect(access(path + "/bin/pip", X_OK) == 0)
        #expect(TestStore.leftovers(store).isEmpty)
    }

    @Test func aPackageThatDoesNotExistIsNamedAndLeavesNoEnvironment() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let missing = RequirementsSet(text: "fnhost-no-such-package-xyz==1.0")
        let key = store.key(of: missing)

        let error = try #require(throws: PythonToolingError.self) { try store.build(missing) }

        #expect(error.code == .installFailed)
        #expect(error.requirements == ["fnhost-no-such-package-xyz==1.0"])
        #expect(error.message.contains("fnhost-no-such-package-xyz==1.0"))
        #expect(TestStore.read(store.failurePath(key: key)) == error.message)
        #expect(store.status(key: key) == .failed(message: error.message))
        #expect(!TestStore.exists(store.path(key: key)))
        #expect(TestStore.leftovers(store).isEmpty)
    }

    @Test func aConflictNamesBothRequirements() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let conflict = RequirementsSet(text: "six==1.16.0\nsix==1.15.0\n")

        let error = try #require(throws: PythonToolingError.self) { try store.build(conflict) }

        #expect(Set(error.requirements) == ["six==1.16.0", "six==1.15.0"])
        #expect(error.message.contains("six==1.16.0") && error.message.contains("six==1.15.0"))
        #expect(!TestStore.exists(store.path(key: store.key(of: conflict))))
    }

    @Test func twoConcurrentBuildsOfOneSetBuildItOnce() throws {
        let store = try TestStore.make()
        defer { TestStore.remove(store) }
        let six = RequirementsSet(text: "six==1.16.0")
        let log = ProgressLog()
        let outcomes = Mutex<[Result<PythonEnvironmentStore.BuildOutcome, PythonToolingError>]>([])

        ParallelWork.run(count: 2, width: 2) { index in
            let outcome = Result { () throws(PythonToolingError) in
                try store.build(six, functions: ["builder\(index)"], progress: log.add)
            }
            outcomes.withLock { $0.append(outcome) }
        }

        let results = outcomes.withLock { $0 }
        let path = store.path(key: store.key(of: six))
        #expect(log.lines.filter { $0.hasSuffix(": installing 1 requirement") }.count == 1, "pip ran once: \(log.lines)")
        #expect(results.filter { if case .success(.built) = $0 { true } else { false } }.count == 1)
        #expect(results.filter { $0 == .success(.alreadyReady(path: path)) }.count == 1)
    }
}

extension String {
    func write(toFile path: String) throws {
        guard let file = fopen(path, "we") else { throw TestStoreError("cannot write \(path)") }
        fputs(self, file)
        fclose(file)
    }
}
