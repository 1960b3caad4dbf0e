#if canImport(Glibc)
import Glibc
#endif
import AudioIO
import FoundationEssentials

/// Relative paths of the regular files under a folder, sorted.
public enum FileTree {
    /// - Parameters:
    ///   - includeHiddenFiles: list `.name` files too (hidden folders are never entered).
    ///   - skipping: an absolute folder not to enter (the output folder inside a source).
    ///
    /// A folder reached twice (links back up the tree, two links to one folder) is entered
    /// once: the walk remembers the (device, inode) of every folder it entered. Symbolic
    /// links whose target lies outside the folder are left out (see ``walk``).
    public static func list(_ dir: String, includeHiddenFiles: Bool = false, skipping: String? = nil) -> [String] {
        walk(dir, includeHiddenFiles: includeHiddenFiles, skipping: skipping).files
    }

    /// The files under `dir`, and the symbolic links among them whose target lies outside
    /// `dir` (a `leak.sln -> /root/secret` in a folder of recordings): those are left out
    /// of `files` unless `followingLinksOutside` is set, so promptc run as root never copies
    /// a file from elsewhere into a world-readable prompt without being asked.
    public static func walk(_ dir: String, includeHiddenFiles: Bool = false, skipping: String? = nil,
                            followingLinksOutside: Bool = false) -> (files: [String], linksOutside: [String]) {
        var out: [String] = [], outside: [String] = []
        var entered = Set<[UInt64]>()
        let root = RealPath.resolve(dir)
        func walk(_ rel: String) {
            let path = rel.isEmpty ? dir : dir + "/" + rel
            if let s = skipping, URL(fileURLWithPath: path).standardizedFileURL.path == s { return }
            var st = stat()
            guard stat(path, &st) == 0, entered.insert([UInt64(st.st_dev), UInt64(st.st_ino)]).inserted else { return }
            guard let d = opendir(path) else { return }
            defer { closedir(d) }
            while let e = readdir(d) {
                let name = DirectoryEntry.name(e)
                if name == "." || name == ".." { continue }
                let child = rel.isEmpty ? name : rel + "/" + name
                var st = stat(), lst = stat()
                guard stat(dir + "/" + child, &st) == 0, lstat(dir + "/" + child, &lst) == 0 else { continue }
                if (lst.st_mode & S_IFMT) == S_IFLNK && !followingLinksOutside && !RealPath.isInside(dir + "/" + child, root: root) {
                    if (st.st_mode & S_IFMT) == S_IFREG { outside.append(child) }
                    continue
                }
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    if !name.hasPrefix(".") { walk(child) }
                } else if (st.st_mode & S_IFMT) == S_IFREG && (includeHiddenFiles || !name.hasPrefix(".")) {
                    out.append(child)
                }
            }
        }
        walk("")
        return (out.sorted(), outside.sorted())
    }

}

/// Where a path really is, symbolic links resolved, for checks that a write or a removal
/// stays inside the folder it was given.
public enum RealPath {
    /// The real path of the deepest part of `path` that exists, with the rest appended.
    public static func resolve(_ path: String) -> String {
        var head = path.isEmpty ? "." : path
        var rest: [String] = []
        while true {
            if let r = realpath(head, nil) {
                defer { free(r) }
                return ([String(cString: r)] + rest.reversed()).joined(separator: "/")
            }
            let parent = PathName.deletingLastComponent(head)
            rest.append(PathName.lastComponent(head))
            if parent.isEmpty || parent == head { return path }
            head = parent
        }
    }

    /// Whether `path`, links resolved, is `root` or lies below it (`root` may be resolved already).
    public static func isInside(_ path: String, root: String) -> Bool {
        let r = resolve(root), p = resolve(path)
        return p == r || p.hasPrefix(r == "/" ? "/" : r + "/")
    }
}
