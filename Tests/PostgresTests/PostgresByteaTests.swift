import FnhostTestSupport
import Postgres
import Testing

/// `bytea` through the text protocol: what `PostgresBytea` sends is what the server stores, and what
/// the server sends back decodes to the same bytes.
@Suite("PostgresBytea")
struct PostgresByteaTests {
    @Test func bytesRoundTripThroughTheServer() throws {
        let cases: [[UInt8]] = [[], [0], [0x5C, 0x78, 0x30, 0x30], Array(0...255), Array(repeating: 0xFF, count: 70_000)]
        for bytes in cases { try roundTrip(bytes) }
    }

    func roundTrip(_ bytes: [UInt8]) throws {
        let db = try TestDatabase.connect()
        let rows = try db.query(
            "SELECT length($1::bytea) AS n, $1::bytea AS raw, encode($1::bytea, 'hex') AS hex, md5($1::bytea) AS sum",
            [PostgresBytea.parameter(bytes)])
        let row = try #require(rows.first)
        #expect(row["n"] == String(bytes.count))
        #expect(row["raw"].flatMap(PostgresBytea.decode) == bytes, "the server's own output format")
        #expect(row["hex"].flatMap(PostgresBytea.decode) == bytes, "encode(..., 'hex')")
        let client = try db.query("SELECT md5(decode($1, 'hex')) AS sum", [row["hex"]])
        #expect(client.first?["sum"] == row["sum"])
    }

    @Test func encodingIsTheServersHexFormat() {
        #expect(PostgresBytea.parameter([]) == "\\x")
        #expect(PostgresBytea.parameter([0x00, 0xAB, 0x7F]) == "\\x00ab7f")
        #expect(PostgresBytea.decode("\\x00AB7f") == [0x00, 0xAB, 0x7F])
        #expect(PostgresBytea.decode("00ab7f") == [0x00, 0xAB, 0x7F])
    }

    @Test(arguments: ["\\x0", "\\x0g", "\\\\x00", "x00", "\\000", "abc", "\\x 00"])
    func anythingButHexIsRefused(text: String) {
        #expect(PostgresBytea.decode(text) == nil)
    }
}
