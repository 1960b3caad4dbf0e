#if canImport(Glibc)
import Glibc
#endif

/// printf-style formatting through the C library (`"%.2f"` and friends), so that the
/// tool needs no more of Foundation than its essentials.
public func formatted(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
        var buffer = [CChar](repeating: 0, count: 256)
        let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
        if needed < buffer.count { return String(cString: buffer) }
        buffer = [CChar](repeating: 0, count: needed + 1)
        return withVaList(arguments) { again in
            _ = vsnprintf(&buffer, buffer.count, format, again)
            return String(cString: buffer)
        }
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    public func trimmedSpaces() -> String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}

/// Path names as text, with the rules of `NSString`'s path methods where promptc uses
/// them: the last component, without its extension, without the last component.
public enum PathName {
    /// "c.wav" for "a/b/c.wav" (a trailing slash is ignored).
    public static func lastComponent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        if p == "/" { return "/" }
        return String(p.split(separator: "/", omittingEmptySubsequences: true).last ?? "")
    }

    /// "a/b" for "a/b/c.wav", "/" for "/a", "" for "a".
    public static func deletingLastComponent(_ path: String) -> String {
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        guard let slash = p.lastIndex(of: "/") else { return "" }
        if slash == p.startIndex { return "/" }
        var head = p[..<slash]
        while head.count > 1 && head.hasSuffix("/") { head = head.dropLast() }
        return String(head)
    }

    /// "a/b/c" for "a/b/c.wav"; a name that starts with its only dot keeps it (".hidden").
    public static func deletingExtension(_ path: String) -> String {
        let name = lastComponent(path)
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return path }
        let cut = name.distance(from: dot, to: name.endIndex)
        var p = Substring(path)
        while p.count > 1 && p.hasSuffix("/") { p = p.dropLast() }
        return String(p.dropLast(cut))
    }
}
