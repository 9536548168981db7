import FnhostTestSupport
import Foundation
import HTTPClient
import Testing

/// As root, from folders other users cannot enter (a clone under /root, or below any 0700 folder):
/// PostgreSQL (run as `postgres`) and nginx's workers (run as `nobody`) get what they need from
/// folders of their own outside, made safely, and everything still works.
@Suite(.serialized, .enabled(if: geteuid() == 0, "only root runs PostgreSQL and nginx's workers as other users"))
struct UnreachableFolderTests {
    /// A fresh folder of mode 0700 under /tmp: nobody but root can enter it.
    static func privateFolder() throws -> String {
        var template = Array("/tmp/fnhost-0700-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> String? in
            guard let base = buffer.baseAddress, mkdtemp(base) != nil else { return nil }
            return String(cString: base)
        }
        guard let made else { throw StackError("mkdtemp: errno \(errno)") }
        return made
    }

    @Test func theClusterOfAFolderPostgresCannotEnterLivesOutsideAndAnswersPsql() throws {
        let parent = try Self.privateFolder()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let datadir = parent + "/pg"
        let cluster = try ThrowawayCluster(directory: datadir)
        var stopped = false
        defer { if !stopped { cluster.stop() } }
        let home = try ThrowawayCluster.script("where", datadir).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(home.hasPrefix("/var/lib/fnhost/pg/"), "relocated: \(home)")
        #expect(cluster.url.contains("host=" + home + "/socket"), "the URL names the relocated socket: \(cluster.url)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: datadir + "/cluster") == home)
        var status = stat()
        #expect(lstat(home, &status) == 0 && status.st_mode & S_IFMT == S_IFDIR)
        #expect(status.st_mode & 0o777 == 0o700, "mode \(String(status.st_mode & 0o777, radix: 8))")
        #expect(status.st_uid == getpwnam("postgres").map { $0.pointee.pw_uid })

        let psql = try CommandRun(program: "/usr/bin/psql", [cluster.url, "-X", "-At", "-c", "SELECT current_user || ' ' || 6 * 7"])
        #expect(psql.status == 0, "psql: \(psql.output)")
        #expect(psql.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == "fnhost 42")

        cluster.stop()
        stopped = true
        #expect(!FileManager.default.fileExists(atPath: home), "scripts/pg destroy removes the relocated home")
    }

    @Test func aHomeSomeoneElseMadeFirstIsRefused() throws {
        let parent = try Self.privateFolder()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let datadir = parent + "/pg"
        try FileManager.default.createDirectory(atPath: datadir, withIntermediateDirectories: false)
        let home = try ThrowawayCluster.script("where", datadir).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(home.hasPrefix("/var/lib/fnhost/pg/"))
        // Made first, by someone other than postgres: refused, never taken over.
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: home) }
        #expect(throws: StackError.self) { try ThrowawayCluster.script("start", datadir) }
        #expect(!FileManager.default.fileExists(atPath: home + "/data"))
    }

    @Test func serveFromARunFolderNginxCannotEnter() throws {
        let parent = try Self.privateFolder()
        defer { try? FileManager.default.removeItem(atPath: parent) }
        // The page, too, where nginx's workers cannot read it: it is served from a copy.
        let page = parent + "/page"
        try FileManager.default.createDirectory(atPath: page, withIntermediateDirectories: false)
        try Data("<!doctype html><title>private page</title>".utf8).write(to: URL(fileURLWithPath: page + "/index.html"))
        let host = try HostStack(
            extraArguments: ["--page-dir", page], runDirectory: URL(fileURLWithPath: parent + "/run"))
        defer { host.stop() }
        let facing = try FileManager.default.destinationOfSymbolicLink(atPath: parent + "/run/nginx-facing")
        #expect(facing.hasPrefix("/var/lib/fnhost/run/"), "relocated: \(facing)")
        try WorkerSocketTests.expectPrivateSockets(host, names: ["echo.sock", ".admin.sock"])
        #expect(try host.send("/echo").status == 200)
        let served = try host.send("/")
        #expect(served.status == 200)
        #expect(String(decoding: served.body, as: UTF8.self).contains("private page"))
        #expect(try host.send("/func2url.json").status == 200)
        host.stop()
        #expect(!FileManager.default.fileExists(atPath: facing))
    }
}
