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
        guard pid > 0, let file = fopen("/proc/\(pid)/stat", "r") else { return nil }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return nil }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return startTime(statLine: line).map { ProcessIdentity(pid: pid, startTime: $0) }
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
}

/// Reading, writing and acting on the record (the thin I/O around `CompanionRecord`).
enum CompanionRecordFile {
    /// Stops the companions a killed host on this run folder left running: each one's process group
    /// gets SIGTERM, then SIGKILL if its leader still runs after `graceNanoseconds`. Before the new
    /// host binds anything. Returns the names stopped.
    static func reclaim(path: String, graceNanoseconds: UInt64 = 3_000_000_000) -> [String] {
        guard let text = readText(path), let record = CompanionRecord.parse(text) else { return [] }
        let leftovers = record.leftovers(current: ProcessIdentity.current(pid:))
        for entry in leftovers { kill(-entry.identity.pid, SIGTERM) }
        let deadline = Clock.monotonicNanoseconds() + graceNanoseconds
        var running = leftovers
        while !running.isEmpty, Clock.monotonicNanoseconds() < deadline {
            usleep(20_000)
            running = running.filter { ProcessIdentity.current(pid: $0.identity.pid) == $0.identity && !isZombie($0.identity.pid) }
        }
        // Still the same processes (checked just above): the whole group goes.
        for entry in running { kill(-entry.identity.pid, SIGKILL) }
        return leftovers.map(\.name)
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

    private static func isZombie(_ pid: Int32) -> Bool {
        guard let file = fopen("/proc/\(pid)/stat", "re") else { return true }
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 1024)
        guard fgets(&buffer, Int32(buffer.count), file) != nil else { return true }
        let line = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let close = line.lastIndex(of: ")") else { return true }
        return line[line.index(after: close)...].split(separator: " ").first == "Z"
    }
}
