import Testing
import WebhookSignature

@Suite("Standard base64")
struct StandardBase64Tests {
    @Test("RFC 4648 §10 vectors encode and decode")
    func vectors() {
        let pairs = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                     ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in pairs {
            #expect(StandardBase64.encode(Array(plain.utf8)) == encoded)
            #expect(StandardBase64.decode(encoded) == Array(plain.utf8))
        }
        #expect(StandardBase64.encode([0xfb, 0xff, 0xbf]) == "+/+/")
        #expect(StandardBase64.decode("+/+/") == [0xfb, 0xff, 0xbf])
    }

    @Test("every byte value and length round-trips")
    func roundTrip() {
        for length in 0..<70 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(StandardBase64.decode(StandardBase64.encode(bytes)) == bytes)
        }
        let all = (0...255).map(UInt8.init)
        #expect(StandardBase64.decode(StandardBase64.encode(all)) == all)
    }

    @Test("strict decoding refuses bad input", arguments: [
        "Zg", "Zg=", "Zm9", "Z===", "Zg==Zg==", "Zm=v", "Zm9v\n", " Zm9v", "Zm9v!", "-_-_", "Zh==", "Zm9=",
        "Zg==\u{0}", "Zm9vé",
    ])
    func strict(text: String) {
        #expect(StandardBase64.decode(text) == nil)
    }
}
