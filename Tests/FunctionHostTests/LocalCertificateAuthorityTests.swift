import FnhostTestSupport
import Foundation
import FunctionRuntime
import Testing

@testable import FunctionHost

/// The run folder's certificate authority, made with the real openssl command line.
@Suite struct LocalCertificateAuthorityTests {
    /// A fresh folder (the authority's `tls` folder goes inside) with a small stand-in for the
    /// system's authorities.
    final class Scratch {
        let root: String
        let systemCertificates: String
        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("fnhost-ca-\(UUID().uuidString.prefix(8))").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            systemCertificates = root + "/system.pem"
            try Data("# the system's authorities would be here\n".utf8).write(to: URL(fileURLWithPath: systemCertificates))
        }
        func authority(hostNames: [String] = ["functions.poehali.dev"], openssl: String? = nil) -> LocalCertificateAuthority {
            LocalCertificateAuthority(
                directory: root + "/tls", hostNames: hostNames, systemCertificates: systemCertificates, openssl: openssl)
        }
        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    static func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions]) as? NSNumber)?.intValue ?? -1
    }

    static func text(_ path: String) -> String {
        FileBytes.read(path).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    static func openssl(_ arguments: [String]) throws -> (Int32, String) {
        let completion = try ProcessSpawner.runToCompletion([LocalCertificateAuthority.findOpenSSL()] + arguments)
        return ((completion.status >> 8) & 0xff, completion.output)
    }

    @Test func madeOnceThenReused() throws {
        let scratch = try Scratch()
        let authority = scratch.authority()
        #expect(try authority.prepare() == .created)
        for key in [authority.authorityKeyPath, authority.leafKeyPath] { #expect(Self.mode(key) == 0o600, "\(key)") }
        let certificate = Self.text(authority.authorityCertificatePath)
        let leaf = Self.text(authority.leafCertificatePath)
        #expect(certificate.hasPrefix("-----BEGIN CERTIFICATE-----"))

        #expect(try authority.prepare() == .reused)
        #expect(Self.text(authority.authorityCertificatePath) == certificate)
        #expect(Self.text(authority.leafCertificatePath) == leaf)
        #expect(!FileManager.default.fileExists(atPath: authority.directory + "/platform.csr"))
    }

    @Test func theLeafVerifiesForThePlatformNameAgainstTheBundleAndNoOtherName() throws {
        let scratch = try Scratch()
        let authority = scratch.authority()
        try authority.prepare()
        let bundle = Self.text(authority.bundlePath)
        #expect(bundle.hasPrefix("# the system's authorities would be here\n"))
        #expect(bundle.hasSuffix(Self.text(authority.authorityCertificatePath)))
        let good = try Self.openssl([
            "verify", "-CAfile", authority.bundlePath, "-purpose", "sslserver", "-verify_hostname", "functions.poehali.dev",
            authority.leafCertificatePath,
        ])
        #expect(good.0 == 0, "\(good.1)")
        let other = try Self.openssl([
            "verify", "-CAfile", authority.bundlePath, "-verify_hostname", "example.com", authority.leafCertificatePath,
        ])
        #expect(other.0 != 0)
        let text = try Self.openssl(["x509", "-noout", "-text", "-in", authority.leafCertificatePath]).1
        #expect(text.contains("DNS:functions.poehali.dev"))
        #expect(text.contains("TLS Web Server Authentication"))
    }

    @Test func aMissingOrMismatchedLeafIsMadeAgainWithTheSameAuthority() throws {
        let scratch = try Scratch()
        try scratch.authority().prepare()
        let certificate = Self.text(scratch.authority().authorityCertificatePath)
        unlink(scratch.authority().leafCertificatePath)
        #expect(try scratch.authority().prepare() == .renewedLeaf)
        let renamed = scratch.authority(hostNames: ["functions.poehali.dev", "functions.example.test"])
        #expect(try renamed.prepare() == .renewedLeaf, "a new host name needs a new leaf")
        #expect(Self.text(renamed.authorityCertificatePath) == certificate)
        #expect(try Self.openssl(["x509", "-noout", "-text", "-in", renamed.leafCertificatePath]).1.contains("DNS:functions.example.test"))
    }

    @Test func aBrokenAuthorityIsMadeAgain() throws {
        let scratch = try Scratch()
        let authority = scratch.authority()
        try authority.prepare()
        try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: authority.authorityCertificatePath))
        #expect(try authority.prepare() == .created)
        #expect(Self.mode(authority.authorityKeyPath) == 0o600)
    }

    @Test func errorsNameWhatIsMissing() throws {
        let scratch = try Scratch()
        let noOpenSSL = scratch.authority(openssl: "/nonexistent/openssl")
        #expect { try noOpenSSL.prepare() } throws: { error in
            "\(error)".contains("openssl was not found (/nonexistent/openssl)") && "\(error)".contains("--platform-port 0")
        }
        var noSystem = scratch.authority()
        noSystem.systemCertificates = scratch.root + "/missing.pem"
        #expect { try noSystem.prepare() } throws: { error in
            "\(error)".contains("missing.pem") && "\(error)".contains("ca-certificates")
        }
        let badName = scratch.authority(hostNames: ["bad name"])
        #expect { try badName.prepare() } throws: { error in "\(error)".contains("\"bad name\"") }
        let noParent = LocalCertificateAuthority(
            directory: scratch.root + "/no/such/tls", systemCertificates: scratch.systemCertificates)
        #expect { try noParent.prepare() } throws: { error in "\(error)".contains("Cannot create \(scratch.root)/no/such/tls") }
    }

    @Test func aFailingOpensslCommandIsReportedWithItsOutput() throws {
        let scratch = try Scratch()
        // A stand-in "openssl" that fails every command with a message.
        let fake = scratch.root + "/fake-openssl"
        // Written through a close-on-exec descriptor: one a parallel test's child inherited would
        // keep the script open for writing, and running it would fail with ETXTBSY.
        let descriptor = open(fake, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
        #expect(descriptor >= 0)
        let script = Array("#!/bin/sh\necho \"fake openssl refuses: $1\" >&2\nexit 3\n".utf8)
        #expect(write(descriptor, script, script.count) == script.count)
        close(descriptor)
        #expect { try scratch.authority(openssl: fake).prepare() } throws: { error in
            let text = "\(error)"
            return text.contains("Making") && text.contains("exited with status 3") && text.contains("fake openssl refuses: genpkey")
        }
    }

    /// The whole generated configuration, with the shipped template and real certificates, is
    /// one nginx accepts (`nginx -t`).
    @Test func theGeneratedConfigurationPassesNginxTest() throws {
        let scratch = try Scratch()
        let authority = scratch.authority()
        try authority.prepare()
        let template = try #require(FileBytes.read(PackageRoot.appending("nginx/nginx.conf.template").path))
        for resolvers in [["127.0.0.53"], []] {
            var configuration = NginxConfiguration(
                listen: "127.0.0.1:1", fastCGIParamsPath: PackageRoot.appending("nginx/fastcgi_params").path,
                user: NginxSetup.workerUser)
            configuration.adminListen = "127.0.0.1:2"
            configuration.platformServer = NginxPlatformServer(
                listen: "127.0.0.1:3", certificatePath: authority.leafCertificatePath, certificateKeyPath: authority.leafKeyPath,
                resolvers: resolvers)
            let setup = NginxSetup(runDirectory: scratch.root)
            try setup.prepare(
                configuration: configuration.render(
                    template: String(decoding: template, as: UTF8.self), catalog: sampleCatalog(), options: hostOptions()))
            let tested = try ProcessSpawner.runToCompletion([setup.binary, "-t", "-p", setup.prefix + "/", "-c", "conf/nginx.conf", "-e", "stderr"])
            #expect(tested.succeeded, "\(tested.output)")
        }
    }
}
