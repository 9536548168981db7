#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import PythonTooling

struct ProcessRunnerTests {
    @Test func mergesOutputIntoLinesAndReportsTheExitStatus() throws {
        var seen: [String] = []
        let outcome = try ProcessRunner.run(
            ["/bin/sh", "-c", "echo err >&2; printf 'a\\nb\\r\\n\\nc'; exit 3"], environment: [], timeout: .seconds(30)
        ) { seen.append($0) }
        #expect(outcome.termination == .exited(3))
        #expect(outcome.lines == ["err", "a", "b", "c"])
        #expect(seen == outcome.lines)
    }

    @Test func theChildGetsExactlyTheGivenEnvironmentAndOnlyTheStandardDescriptors() throws {
        let environment = try ProcessRunner.run(["/usr/bin/env"], environment: ["ONLY=this"], timeout: .seconds(30))
        #expect(environment.lines == ["ONLY=this"])
        // The shell lists its own descriptors: 0, 1, 2 and whatever this test process holds without
        // close-on-exec (the test harness's), never the run's pipe, which exists only during the run.
        let inheritableBefore = FileTreeProbe.inheritableDescriptors()
        let descriptors = try ProcessRunner.run(
            ["/bin/sh", "-c", "ls /proc/$$/fd; true"], environment: [], timeout: .seconds(30))
        let allowed = Set(["0", "1", "2"]).union(inheritableBefore).union(FileTreeProbe.inheritableDescriptors())
        #expect(Set(descriptors.lines).isSubset(of: allowed), "\(descriptors.lines) beyond \(allowed.sorted())")
        #expect(Set(["0", "1", "2"]).isSubset(of: Set(descriptors.lines)))
    }

    @Test func aProgramPastTheDeadlineIsKilled() throws {
        let started = ContinuousClock.now
        let outcome = try ProcessRunner.run(
            ["/bin/sh", "-c", "echo started; exec sleep 30"], environment: [], timeout: .milliseconds(300))
        #expect(outcome.termination == .timedOut)
        #expect(outcome.lines == ["started"])
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aMissingProgramIsASpawnFailureNamingIt() {
        #expect(throws: PythonToolingError.self) {
            try ProcessRunner.run(["/nonexistent/fnhost-python"], environment: [], timeout: .seconds(5))
        }
        do {
            _ = try ProcessRunner.run(["/nonexistent/fnhost-python"], environment: [], timeout: .seconds(5))
        } catch {
            #expect(error.code == .spawnFailed)
            #expect(error.message.contains("/nonexistent/fnhost-python"))
        }
    }

    @Test func runsLeakNoDescriptors() throws {
        func openDescriptors() -> Int {
            (try? FileTreeProbe.count("/proc/self/fd")) ?? 0
        }
        let before = openDescriptors()
        for _ in 0..<150 {
            _ = try ProcessRunner.run(["/bin/true"], environment: [], timeout: .seconds(30))
            _ = try? ProcessRunner.run(["/nonexistent/program"], environment: [], timeout: .seconds(5))
        }
        // Other tests run alongside and open descriptors of their own; a leak would add 150 or more.
        #expect(openDescriptors() - before < 60)
    }

    @Test func longLinesAreCutAndOnlyTheLastLinesKept() throws {
        let outcome = try ProcessRunner.run(
            ["/bin/sh", "-c", "i=0; while [ $i -lt 1000 ]; do echo line$i; i=$((i+1)); done; head -c 40000 /dev/zero | tr '\\0' x"],
            environment: [], timeout: .seconds(30))
        #expect(outcome.termination == .exited(0))
        #expect(outcome.lines.count == ProcessRunner.keptLines)
        #expect(outcome.lines.suffix(3).map(\.count) == [ProcessRunner.maximumLineBytes, ProcessRunner.maximumLineBytes, 40000 - 2 * ProcessRunner.maximumLineBytes])
    }
}

/// Counts a folder's entries (for descriptor counts in /proc/self/fd).
enum FileTreeProbe {
    /// This process's descriptors a child would inherit (no close-on-exec), as numbers in text.
    static func inheritableDescriptors() -> Set<String> {
        guard let directory = opendir("/proc/self/fd") else { return [] }
        defer { closedir(directory) }
        var result: Set<String> = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let number = Int32(name), fcntl(number, F_GETFD) >= 0, fcntl(number, F_GETFD) & FD_CLOEXEC == 0 {
                result.insert(name)
            }
        }
        return result
    }

    static func count(_ folder: String) throws -> Int {
        guard let directory = opendir(folder) else { return 0 }
        defer { closedir(directory) }
        var count = 0
        while readdir(directory) != nil { count += 1 }
        return count
    }
}
