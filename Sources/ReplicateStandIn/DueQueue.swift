/// A binary min-heap of items keyed by when they are due, for the webhook scheduler.
///
/// Items due at the same instant come out in the order they were pushed (a running sequence
/// number breaks ties), so a delivery scheduled "now" after another one also goes after it.
/// Push and pop are O(log n); ``next`` (the earliest) is O(1).
struct DueQueue<Item> {
    private struct Entry {
        var due: ContinuousClock.Instant
        var sequence: UInt64
        var item: Item

        func precedes(_ other: Entry) -> Bool {
            due != other.due ? due < other.due : sequence < other.sequence
        }
    }

    private var entries: [Entry] = []
    private var pushed: UInt64 = 0

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    /// When the earliest item is due; nil when empty.
    var nextDue: ContinuousClock.Instant? { entries.first?.due }

    mutating func push(_ item: Item, due: ContinuousClock.Instant) {
        pushed &+= 1
        entries.append(Entry(due: due, sequence: pushed, item: item))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest item if it is due at or before `now`.
    mutating func popDue(now: ContinuousClock.Instant) -> Item? {
        guard let first = entries.first, first.due <= now else { return nil }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first.item }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first.item
    }

    mutating func removeAll() {
        entries.removeAll()
    }
}
