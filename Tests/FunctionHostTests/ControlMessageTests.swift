import Testing

@testable import FunctionHost

/// The master/worker control messages: a kind byte and little-endian fields.
@Suite struct ControlMessageTests {
    @Test(arguments: [
        ControlMessage.dispatch(connection: 0), .dispatch(connection: 1), .dispatch(connection: .max),
        .closed(connection: 42), .closed(connection: 0x0102_0304_0506_0708), .released(connection: 7), .free,
        .timer(connection: 3), .timer(connection: .max),
    ])
    func roundTrips(message: ControlMessage) {
        let bytes = message.encoded()
        #expect(bytes.count <= ControlMessage.capacity)
        #expect(ControlMessage.decode(bytes) == message)
    }

    @Test func layoutIsAKindByteThenLittleEndian() {
        #expect(ControlMessage.dispatch(connection: 0x0102).encoded() == [0x44, 0x02, 0x01, 0, 0, 0, 0, 0, 0])
        #expect(ControlMessage.closed(connection: 1).encoded() == [0x43, 1, 0, 0, 0, 0, 0, 0, 0])
        #expect(ControlMessage.free.encoded() == [0x46])
    }

    @Test(arguments: [[], [0x44], [0x44, 1, 2], [0x46, 0], [0x58], Array(repeating: UInt8(0x43), count: 10), [0x42, 1, 2, 3]])
    func garbageIsRejected(bytes: [UInt8]) {
        #expect(ControlMessage.decode(bytes) == nil)
    }
}
