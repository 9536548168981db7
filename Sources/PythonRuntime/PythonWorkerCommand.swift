// Placeholder replaced below.
public enum PythonWorkerCommand {
    public static func main() {}
}
