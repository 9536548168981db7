#if canImport(Glibc)
import Glibc
#endif
import Testing

@testable import FunctionHost

/// The record of companions a host leaves in its run folder, and what the next host stops.
@Suite struct CompanionRecordTests {
    let host = ProcessIdentity(pid: 100, startTime: 5000)
    let nginx = ProcessIdentity(pid: 120, startTime: 5100)
    let standIn = ProcessIdentity(pid: 130, startTime: 5200)

    @Test func roundTripsAndRefusesAnythingElse() {
        let record = CompanionRecord(host: host, companions: [.init(name: "nginx", identity: nginx), .init(name: "replicate-standin", identity: standIn)])
        #expect(CompanionRecord.parse(record.encoded()) == record)
        #expect(CompanionRecord.parse("") == nil)
        #expect(CompanionRecord.parse("companion 120 5100 nginx\n") == nil, "no host line")
        #expect(CompanionRecord.parse("host 100 5000\ncompanion 120 nginx\n") == nil)
        #expect(CompanionRecord.parse("host 1 5000\n") == nil, "init is never anyone's companion")
        #expect(CompanionRecord.parse("host 100 5000\ncompanion 0 5100 nginx\n") == nil)
    }

    @Test func theStartTimeIsField22EvenWhenTheNameHasSpacesAndParentheses() {
        let line = "4242 (nginx: a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10\n"
        #expect(ProcessIdentity.startTime(statLine: line) == 987_654)
        #expect(ProcessIdentity.startTime(statLine: "4242 (x) S 1 2") == nil)
    }

    @Test func onlyTheSameProcessesOfAGoneHostAreLeftovers() {
        let record = CompanionRecord(host: host, companions: [.init(name: "nginx", identity: nginx), .init(name: "replicate-standin", identity: standIn)])
        // The host still runs: its companions are its own to stop.
        let all: [Int32: ProcessIdentity] = [100: host, 120: nginx, 130: standIn]
        #expect(record.leftovers { all[$0] }.isEmpty)
        // The host is gone; nginx still runs; the stand-in's pid now belongs to another process.
        let now: [Int32: ProcessIdentity] = [120: nginx, 130: ProcessIdentity(pid: 130, startTime: 9999)]
        #expect(record.leftovers { now[$0] }.map(\.name) == ["nginx"])
        // The host's pid reused by another process counts as gone.
        let reused: [Int32: ProcessIdentity] = [100: ProcessIdentity(pid: 100, startTime: 7777), 120: nginx]
        #expect(record.leftovers { reused[$0] }.map(\.name) == ["nginx"])
        #expect(record.leftovers { _ in nil }.isEmpty)
    }

    @Test func thisProcessHasAnIdentity() throws {
        let me = try #require(ProcessIdentity.current(pid: getpid()))
        #expect(me.startTime > 0)
        #expect(ProcessIdentity.current(pid: getpid()) == me)
    }
}
