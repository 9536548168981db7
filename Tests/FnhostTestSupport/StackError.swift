/// A test fixture that could not be set up or read (a stack that did not start, a tool that failed).
public struct StackError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
