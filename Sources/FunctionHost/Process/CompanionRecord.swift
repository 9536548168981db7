#if canImport(Glibc)
import Glibc
#endif
import FunctionRuntime

/// A process as the kernel knows it: its pid and its start time (`/proc/<pid>/stat` field 22, clock
/// ticks after boot). Together they name one process for good: a reused pid has a later start.
public struct ProcessIdentity: Sendable, Equatable {
    public var pid: Int32
    public var startTime: UInt64

    public init(pid: Int32, startTime: UInt64) {
        self.pid = pid
        self.startTime = startTime
    }

    /// Field 22 of a `/proc/<pid>/stat` text; the name (field 2) may hold spaces and parentheses,
    /// so fields are counted after its last `)`. Pure.
    public static func startTime(statLine: String) -> UInt64? {
        guard let close = statLine.lastIndex(of: ")") else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state): field 22 is fields[19].
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    /// The process running as `pid` now, or nil.
    public static func current(pid: Int32) -> ProcessIdentity? {
        ProcessStat.read(pid: pid)?.identity
    }
}

/// What `/proc/<pid>/stat` says about a process that reclaiming needs: who it is, its process
/// group (field 5) and whether it is a zombie (state `Z`, field 3).
public struct ProcessStat: Sendable, Equatable {
    public var identity: ProcessIdentity
    public var processGroup: Int32
    public var isZombie: Bool

    public init(identity: ProcessIdentity, processGroup: Int32, isZombie: Bool = false) {
        self.identity = identity
        self.processGroup = processGroup
        self.isZombie = isZombie
    }

    /// Parses one stat line; fields are counted after the name's last `)`. Pure.
    public static func parse(pid: Int32, statLine: String) -> ProcessStat? {
        guard let close = statLine.lastIndex(of: ")"),
            let start = ProcessIdentity.startTime(statLine: statLine)
        else { return nil }
        let fields = statLine[statLine.index(after: close)...].split(separator: " ")
        guard fields.count > 2, let group = Int32(fields[2]) else { return nil }
        return ProcessStat(identity: ProcessIdentity(pid: pid, startTime: start), processGroup: group, isZombie: fields[0] == "Z")
    }

    /// The process running as `pid` now, or nil.
    public static func read(pid: Int32) -> ProcessStat? {
        guard pid > 0, let file = fopen("/proc/\(pid)/stat", "re") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return parse(pid: pid, statLine: line)
    }

    /// Every process this one can see, read from `/proc`.
    public static func all() -> [ProcessStat] {
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        var found: [ProcessStat] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name), let stat = read(pid: pid) { found.append(stat) }
        }
        return found
    }
}

/// What a host writes in its run folder about the processes it started that would outlive it if
/// it were killed outright (nginx, the stand-in: each leads its own process group): the host
/// itself and each of those, by identity. The next host on the same folder reads it and stops
/// exactly those that still run, and nothing else (see `leftovers`). Pure text in and out.
public struct CompanionRecord: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var identity: ProcessIdentity
    }

    public var host: ProcessIdentity
    public var companions: [Entry]

    public init(host: ProcessIdentity, companions: [Entry] = []) {
        self.host = host
        self.companions = companions
    }

    /// `host <pid> <start>` then `companion <pid> <start> <name>`, one a line.
    public func encoded() -> String {
        var text = "host \(host.pid) \(host.startTime)\n"
        for entry in companions { text += "companion \(entry.identity.pid) \(entry.identity.startTime) \(entry.name)\n" }
        return text
    }

    /// Nil unless the text is a whole record (a file cut short names nothing to stop).
    public static func parse(_ text: String) -> CompanionRecord? {
        var host: ProcessIdentity?
        var companions: [Entry] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count >= 3, let pid = Int32(fields[1]), pid > 1, let start = UInt64(fields[2]) else { return nil }
            switch fields[0] {
            case "host" where fields.count == 3: host = ProcessIdentity(pid: pid, startTime: start)
            case "companion" where fields.count == 4:
                companions.append(Entry(name: String(fields[3]), identity: ProcessIdentity(pid: pid, startTime: start)))
            default: return nil
            }
        }
        return host.map { CompanionRecord(host: $0, companions: companions) }
    }

    /// The companions of a host that is gone which still run as the very processes it started
    /// (`current` says what runs as a pid now): the ones a new host stops before starting its own.
    /// None while the recording host itself still runs (they are its to stop).
    public func leftovers(current: (Int32) -> ProcessIdentity?) -> [Entry] {
        if current(host.pid) == host { return [] }
        return companions.filter { current($0.identity.pid) == $0.identity }
    }

    /// The processes left in the group of a recorded companion whose leader is gone: nginx's
    /// workers after its master was killed outright, still holding the port. A pid is never
    /// handed out again while a process group of that number has members, so members of group
    /// `companion.pid` while no process runs as that pid are the recorded companion's own
    /// (started after it, which is checked too). A pid that runs again as another process means
    /// the number was reused and its group is not ours. None while the recording host runs.
    public func strays(among processes: [ProcessStat]) -> [ProcessIdentity] {
        let running = Dictionary(processes.map { ($0.identity.pid, $0.identity) }, uniquingKeysWith: { first, _ in first })
        if running[host.pid] == host { return [] }
        return companions.flatMap { entry -> [ProcessIdentity] in
            guard running[entry.identity.pid] == nil else { return [] }
            return processes.filter {
                $0.processGroup == entry.identity.pid && $0.identity.startTime >= entry.identity.startTime && !$0.isZombie
            }.map(\.identity)
        }
    }
}

/// Reading, writing and acting on the record (the thin I/O around `CompanionRecord`).
enum CompanionRecordFile {
    /// Stops the companions a killed host on this run folder left running: each one's process group
    /// gets SIGTERM, then SIGKILL if its leader still runs after `graceNanoseconds`. Before the new
    /// host binds anything. Returns the names of the companions stopped and how many processes
    /// of a group whose leader was gone (see `CompanionRecord.strays`) were killed.
    static func reclaim(path: String, graceNanoseconds: UInt64 = 3_000_000_000) -> (companions: [String], orphans: Int) {
        guard let text = readText(path), let record = CompanionRecord.parse(text) else { return ([], 0) }
        let leftovers = record.leftovers(current: ProcessIdentity.current(pid:))
        for entry in leftovers { kill(-entry.identity.pid, SIGTERM) }
        let deadline = Clock.monotonicNanoseconds() + graceNanoseconds
        var running = leftovers
        while !running.isEmpty, Clock.monotonicNanoseconds() < deadline {
            usleep(20_000)
            running = running.filter { isAlive($0.identity) }
        }
        // Still the same processes (checked just above): the whole group goes.
        for entry in running { kill(-entry.identity.pid, SIGKILL) }
        // Whatever is left of a group whose leader is gone (killed outright before the host was),
        // one process at a time, each checked to be the same process right before its signal.
        let strays = record.strays(among: ProcessStat.all())
        for stray in strays where isAlive(stray) { kill(stray.pid, SIGKILL) }
        return (leftovers.map(\.name), strays.count)
    }

    private static func isAlive(_ identity: ProcessIdentity) -> Bool {
        guard let stat = ProcessStat.read(pid: identity.pid) else { return false }
        return stat.identity == identity && !stat.isZombie
    }

    /// Replaces the record (written beside it, then renamed: a reader never sees half of one).
    static func write(_ record: CompanionRecord, path: String) {
        let temporary = path + ".new"
        guard let file = fopen(temporary, "we") else { return }
        let written = fputs(record.encoded(), file) >= 0
        guard fclose(file) == 0, written else {
            unlink(temporary)
            return
        }
        rename(temporary, path)
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "re") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, file)
            guard count > 0, bytes.count < 65_536 else { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
