/// An independent PNG reader for tests: walks the chunks, checks every CRC with its own CRC-32
/// (bitwise, no table — deliberately not the encoder's code), and unpacks a zlib stream made of
/// stored blocks, verifying its Adler-32.
struct PNGChecker {
    struct Chunk {
        var type: String
        var data: [UInt8]
        var crcMatches: Bool
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    var chunks: [Chunk] = []
    var width = 0
    var height = 0
    var bitDepth = 0
    var colorType = 0
    /// The decompressed scanlines (filter byte + row), when the IDAT stream used stored blocks.
    var raw: [UInt8] = []

    init(_ bytes: [UInt8]) throws {
        let signature: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10]
        guard bytes.count > 8, Array(bytes[0..<8]) == signature else { throw Failure(description: "bad signature") }
        var offset = 8
        while offset + 12 <= bytes.count {
            let length = Int(Self.be32(bytes, offset))
            guard offset + 12 + length <= bytes.count else { throw Failure(description: "chunk runs past the end") }
            let typeAndData = Array(bytes[(offset + 4)..<(offset + 8 + length)])
            let stored = Self.be32(bytes, offset + 8 + length)
            chunks.append(Chunk(type: String(decoding: typeAndData[0..<4], as: UTF8.self),
                                data: Array(typeAndData[4...]), crcMatches: Self.crc(typeAndData) == stored))
            offset += 12 + length
        }
        guard offset == bytes.count else { throw Failure(description: "trailing bytes after the last chunk") }
        guard let header = chunks.first, header.type == "IHDR", header.data.count == 13 else {
            throw Failure(description: "IHDR is not first")
        }
        width = Int(Self.be32(header.data, 0))
        height = Int(Self.be32(header.data, 4))
        bitDepth = Int(header.data[8])
        colorType = Int(header.data[9])
        raw = try Self.inflateStored(chunks.filter { $0.type == "IDAT" }.flatMap(\.data))
    }

    static func be32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (UInt32(bytes[offset]) << 24) | (UInt32(bytes[offset + 1]) << 16) | (UInt32(bytes[offset + 2]) << 8)
            | UInt32(bytes[offset + 3])
    }

    /// Bitwise CRC-32 (polynomial 0xEDB88320).
    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (crc & 1 == 0 ? 0 : 0xEDB8_8320) }
        }
        return ~crc
    }

    /// Unpacks a zlib stream of stored deflate blocks and checks its Adler-32 trailer.
    static func inflateStored(_ stream: [UInt8]) throws -> [UInt8] {
        guard stream.count >= 6, stream[0] & 0x0F == 8, (UInt16(stream[0]) << 8 | UInt16(stream[1])) % 31 == 0 else {
            throw Failure(description: "bad zlib header")
        }
        var offset = 2
        var out: [UInt8] = []
        while true {
            guard offset + 5 <= stream.count else { throw Failure(description: "truncated block header") }
            let header = stream[offset]
            guard header & 0x06 == 0 else { throw Failure(description: "not a stored block") }
            let length = Int(stream[offset + 1]) | Int(stream[offset + 2]) << 8
            let complement = Int(stream[offset + 3]) | Int(stream[offset + 4]) << 8
            guard length == (~complement & 0xFFFF) else { throw Failure(description: "LEN/NLEN mismatch") }
            offset += 5
            guard offset + length <= stream.count else { throw Failure(description: "truncated block") }
            out += stream[offset..<(offset + length)]
            offset += length
            if header & 1 == 1 { break }
        }
        guard offset + 4 == stream.count else { throw Failure(description: "bad zlib trailer length") }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in out {
            a = (a + UInt32(byte)) % 65_521
            b = (b + a) % 65_521
        }
        guard be32(stream, offset) == (b << 16 | a) else { throw Failure(description: "Adler-32 mismatch") }
        return out
    }

    /// The RGB value of pixel (x, y), assuming filter 0 rows of 8-bit RGB.
    func pixel(_ x: Int, _ y: Int) -> [UInt8] {
        let start = y * (width * 3 + 1) + 1 + x * 3
        return Array(raw[start..<(start + 3)])
    }
}
