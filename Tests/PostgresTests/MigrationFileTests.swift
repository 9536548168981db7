import Postgres
import Testing
import Hashing

/// Migration naming, ordering and checksums; no server needed.
@Suite("MigrationFile and SHA256")
struct MigrationFileTests {
    @Test("Flyway names parse; others are skipped with a reason", arguments: [
        ("V0001__create_users.sql", 1, "create_users"),
        ("V12__x.sql", 12, "x"),
        ("V0002__Add_Index_2.sql", 2, "Add_Index_2"),
    ])
    func parsesNames(fileName: String, version: Int, name: String) throws {
        let file = try MigrationFile.parse(fileName: fileName, in: "/m").get()
        #expect(file.version == version && file.name == name && file.path == "/m/" + fileName)
    }

    @Test("non-migrations are skipped", arguments: [
        "README.md", "V0001_create.sql", "V__create.sql", "Vx1__create.sql", "V0001__.sql", "V0001__has-dash.sql",
        "R__views.sql", "U0001__undo.sql", "v0001__lower.sql", "V0001__create.SQL",
    ])
    func skipsOthers(fileName: String) {
        #expect(throws: MigrationFile.SkipReason.self) { try MigrationFile.parse(fileName: fileName, in: "/m").get() }
    }

    @Test("order is version then file name, duplicates kept")
    func ordering() throws {
        let names = ["V10__a.sql", "V2__b.sql", "V0002__a.sql", "V1__z.sql"]
        let files = try names.map { try MigrationFile.parse(fileName: $0, in: "/m").get() }.sorted()
        #expect(files.map(\.fileName) == ["V1__z.sql", "V0002__a.sql", "V2__b.sql", "V10__a.sql"])
    }

    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256() {
        #expect(SHA256.hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hex([UInt8](repeating: 0x61, count: 1_000_000))
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
