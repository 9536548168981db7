/// Maps the platform's public function URLs (`https://functions.poehali.dev/<uuid>`, hard-coded in
/// functions that call each other) to this host, so calls between functions stay local.
public enum FunctionURL {
    /// The platform's public prefix.
    public static let publicPrefix = "https://functions.poehali.dev/"

    /// `publicURL` with the platform's prefix replaced by `FNHOST_BASE_URL` (set by `fnhost serve`
    /// for its workers); unchanged when that is unset or the URL is not a platform URL.
    public static func local(for publicURL: String, environment: [String: String]) -> String {
        guard publicURL.hasPrefix(publicPrefix), var base = environment["FNHOST_BASE_URL"], !base.isEmpty else {
            return publicURL
        }
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/" + publicURL.dropFirst(publicPrefix.count)
    }
}
