import Glibc
import HTTPClient
@testable import Postgres
import Testing
@testable import ReplicateStandIn

/// A process spawned while the stand-in listens and serves, an HTTPClient keeps a connection alive
/// and (with `DATABASE_URL`) a PostgreSQL session is open inherits none of their descriptors:
/// every one is close-on-exec from birth. The child is spawned with plain `posix_spawn` (see
/// ``ChildDescriptors``), so nothing but close-on-exec keeps them out.
@Suite struct InheritedDescriptorTests {
    @Test func aSpawnedChildInheritsOnlyItsStandardDescriptors() throws {
        let server = try ReplicateStandInServer(configuration: .init(phaseDelayMilliseconds: 0, idleTimeoutSeconds: 30))
        try server.start()
        defer { server.stop() }
        let client = try HTTPClient()
        let response = try client.send(HTTPClientRequest(url: server.baseURL + "/v1/models/cuuupid/idm-vton"))
        #expect(response.status < 500)

        // Ours: the listener, the server's side of the kept-alive connection, libcurl's side of it.
        var ours: [Int32: String] = [server.listenerNumber: "stand-in listener"]
        let serverSide = server.connectionNumbers
        #expect(serverSide.count == 1, "the client's connection should still be open")
        for fd in serverSide {
            ours[fd] = "stand-in connection"
            if let port = ChildDescriptors.peerPort(of: fd), let curlSide = ChildDescriptors.loopbackSocket(localPort: port) {
                ours[curlSide] = "libcurl connection"
            }
        }
        #expect(ours.values.contains("libcurl connection"), "libcurl's socket was not found")

        var database: PostgresConnection?
        if let url = TestEnvironment.databaseURL {
            let connection = PostgresConnection(url: url, applicationName: "fnhost-fd-test")
            _ = try connection.query("SELECT 1")
            let socket = try #require(connection.socketDescriptor)
            ours[socket] = "PostgreSQL session"
            database = connection
        }

        let inherited = try ChildDescriptors.list()
        for (fd, what) in ours {
            #expect(inherited[fd] == nil, "the child inherited \(what) (fd \(fd) -> \(inherited[fd] ?? ""))")
        }
        // Beyond ours, no internet socket at all may reach the child: other suites of this process
        // run at the same time, and all of their listeners and connections are close-on-exec too.
        // Not checked: descriptors this test process itself inherited from its parent, and libcurl's
        // internal wake-up socket pairs (AF_UNIX; libcurl 7.88 makes them with plain socketpair()
        // and has no hook for it), nor Foundation's pipes in other suites. A socket is judged by the
        // inode the child saw, not by the number (see `isInternetSocket(target:)`).
        var sockets = inherited.filter {
            $0.key > 2 && !ChildDescriptors.cameFromParent($0.key) && ChildDescriptors.isInternetSocket(target: $0.value)
        }
        // Foundation's own: on Linux its CFSocket manager (started by the first `Process` that runs
        // in this test process) wakes itself through two UDP sockets on 127.0.0.1 connected to each
        // other, made with plain socket(). Exactly that pair is left out, nothing else.
        for (fd, other) in ChildDescriptors.foundationWakeupPair(in: sockets) { sockets[fd] = nil; sockets[other] = nil }
        let described = sockets.sorted { $0.key < $1.key }.map { "\($0.key): \(ChildDescriptors.internetSocket(target: $0.value) ?? $0.value)" }
        #expect(sockets.isEmpty, "the child inherited internet sockets \(described)")
        withExtendedLifetime((client, database)) {}
    }
}

private enum TestEnvironment {
    /// `DATABASE_URL` when set and not empty.
    static var databaseURL: String? {
        guard let value = getenv("DATABASE_URL") else { return nil }
        let url = String(cString: value)
        return url.isEmpty ? nil : url
    }
}
