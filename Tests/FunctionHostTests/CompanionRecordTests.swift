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

    @Test func theGroupOfAGoneLeaderIsFoundOnlyWhileItsNumberIsUnused() {
        let record = CompanionRecord(host: host, companions: [.init(name: "nginx", identity: nginx)])
        let worker = ProcessStat(identity: ProcessIdentity(pid: 121, startTime: 5150), processGroup: 120)
        let zombie = ProcessStat(identity: ProcessIdentity(pid: 122, startTime: 5160), processGroup: 120, isZombie: true)
        let other = ProcessStat(identity: ProcessIdentity(pid: 300, startTime: 5300), processGroup: 300)
        // Host and nginx's master gone: the live members of nginx's group are strays.
        #expect(record.strays(among: [worker, zombie, other]) == [worker.identity])
        // nginx's master still runs: its group is reclaimed as a whole, not member by member.
        let master = ProcessStat(identity: nginx, processGroup: 120)
        #expect(record.strays(among: [master, worker]).isEmpty)
        // The pid runs again as another process: the number was free, the group is someone else's.
        let reused = ProcessStat(identity: ProcessIdentity(pid: 120, startTime: 9000), processGroup: 120)
        let itsChild = ProcessStat(identity: ProcessIdentity(pid: 125, startTime: 9100), processGroup: 120)
        #expect(record.strays(among: [reused, itsChild]).isEmpty)
        // A member older than the recorded leader cannot be its child.
        let older = ProcessStat(identity: ProcessIdentity(pid: 90, startTime: 4000), processGroup: 120)
        #expect(record.strays(among: [older]).isEmpty)
        // The recording host still runs: nothing is anyone else's to stop.
        #expect(record.strays(among: [ProcessStat(identity: host, processGroup: 100), worker]).isEmpty)
    }

    @Test func aStatLineGivesTheGroupAndState() {
        let line = "4242 (nginx: worker) Z 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10\n"
        #expect(ProcessStat.parse(pid: 4242, statLine: line) == ProcessStat(identity: ProcessIdentity(pid: 4242, startTime: 987_654), processGroup: 4240, isZombie: true))
        #expect(ProcessStat.parse(pid: 1, statLine: "1 (x) S") == nil)
    }

    @Test func thisProcessIsAmongAllProcesses() throws {
        let me = try #require(ProcessStat.read(pid: getpid()))
        #expect(ProcessStat.all().contains(me))
        #expect(me.processGroup == getpgid(0))
    }

    @Test func thisProcessHasAnIdentity() throws {
        let me = try #require(ProcessIdentity.current(pid: getpid()))
        #expect(me.startTime > 0)
        #expect(ProcessIdentity.current(pid: getpid()) == me)
    }
}
