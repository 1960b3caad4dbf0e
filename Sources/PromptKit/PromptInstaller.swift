import AudioIO
import FoundationEssentials
import G711
#if canImport(Glibc)
import Glibc
#endif

/// Where Asterisk keeps its sounds, read from `asterisk.conf`.
public enum AsteriskConfig {
    public static let defaultConf = "/etc/asterisk/asterisk.conf"
    public static let defaultSounds = "/var/lib/asterisk/sounds"

    /// The sounds folder: `astsoundsdir` if set, else `astdatadir/sounds`, from the
    /// `[directories]` section (`=>` or `=`, `;` comments, `(!)` template marks).
    public static func soundsDirectory(conf text: String) -> String? {
        var inDirectories = false
        var values: [String: String] = [:]
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init)?
                .trimmedSpaces() ?? ""
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                let name = line.dropFirst().prefix { $0 != "]" }
                inDirectories = name.trimmedSpaces() == "directories"
                continue
            }
            guard inDirectories else { continue }
            let parts = line.contains("=>") ? line.components(separatedBy: "=>") : line.components(separatedBy: "=")
            guard parts.count >= 2 else { continue }
            values[parts[0].trimmedSpaces()] = parts[1...].joined(separator: "=").trimmedSpaces()
        }
        if let s = values["astsoundsdir"], !s.isEmpty { return s }
        if let d = values["astdatadir"], !d.isEmpty { return d + "/sounds" }
        return nil
    }

    /// The sounds folder to use: explicit, else from a conf file (given or the default one
    /// when it exists), else /var/lib/asterisk/sounds.
    public static func resolve(soundsDir: String?, confPath: String?) throws -> String {
        if let s = soundsDir { return s }
        let path = confPath ?? defaultConf
        if let data = FileManager.default.contents(atPath: path) {
            return soundsDirectory(conf: String(decoding: data, as: UTF8.self)) ?? defaultSounds
        }
        if confPath != nil { throw ConversionError.usage("\(path): cannot read the Asterisk configuration") }
        return defaultSounds
    }
}

/// The rules a prompt name must follow to be found by `Playback()` and to survive dialplan
/// argument parsing.
public enum PromptName {
    static let forbidden: Set<Character> = [",", "&", "|", "(", ")", "\"", ";", " ", "'", "\\", "$", "{", "}", "[", "]"]

    /// Characters that do not show, or show something else: line and paragraph separators,
    /// zero-width characters, bidirectional controls (a name can look like another), and
    /// U+FFFD, which stands for bytes that were not valid UTF-8.
    static func isInvisible(_ v: UInt32) -> Bool {
        v == 0x2028 || v == 0x2029 || (0x200B...0x200F).contains(v) || (0x202A...0x202E).contains(v)
            || (0x2060...0x2064).contains(v) || (0x2066...0x2069).contains(v) || v == 0x061C || v == 0xFEFF || v == 0xFFFD
    }

    /// Nil when fine, else the reason and a safe suggestion.
    public static func problem(_ name: String, what: String = "name") -> String? {
        let suggestion = suggest(name)
        func bad(_ why: String) -> String { "\(what) '\(name)' \(why); try '\(suggestion)'" }
        if name.isEmpty { return "\(what) is empty" }
        if name.hasPrefix("/") { return bad("is an absolute path") }
        if name.split(separator: "/").contains("..") || name == ".." { return bad("contains '..'") }
        if what == "name" && name.contains("/") { return bad("contains '/' (use --subdir for folders)") }
        if name.split(separator: "/").contains(where: { $0.hasPrefix(".") }) { return bad("is hidden (starts with '.')") }
        if name.split(separator: "/").contains(where: { $0.hasPrefix("-") }) { return bad("starts with '-', which commands take for an option") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) { return bad("contains control characters") }
        if name.unicodeScalars.contains(where: { $0 == "\u{FFFD}" }) { return bad("is not valid UTF-8") }
        if name.unicodeScalars.contains(where: { isInvisible($0.value) }) {
            return bad("contains invisible or direction-changing characters (a name that looks like another)")
        }
        if let c = name.first(where: { forbidden.contains($0) }) { return bad("contains '\(c)', which breaks dialplan arguments") }
        let ext = AudioDecoder.fileExtension(name)
        if !ext.isEmpty, PromptFormat.forExtension(ext.lowercased()) != nil || FormatRegistry.asteriskPlays(extension: ext.lowercased()) {
            return ext == ext.lowercased() ? bad("has an extension; Asterisk names prompts without one")
                : bad("has an upper-case extension, which Asterisk never finds")
        }
        return nil
    }

    /// Nil when `lang` has the form of an Asterisk channel language: a lower-case language
    /// code of 2 or 3 letters, then optional `_` parts (`en`, `en_US`, `en_US_f_Allison`);
    /// else the reason and the suggestion (`en US` -> `en_US`).
    public static func languageProblem(_ lang: String) -> String? {
        let parts = lang.split(separator: "_", omittingEmptySubsequences: false)
        let code = parts[0]
        let fine = (2...3).contains(code.count) && code.allSatisfy { $0.isASCII && $0.isLowercase }
            && parts.dropFirst().allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }
        if fine { return nil }
        let words = lang.split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) })
        let suggestion = words.isEmpty ? "en" : ([words[0].lowercased()] + words.dropFirst().map(String.init)).joined(separator: "_")
        return "language '\(lang)' is not of Asterisk's form (xx or xx_YY: a lower-case code, then parts joined by '_'); try '\(suggestion)'"
    }

    /// A safe version of a name: lower case, separators as '-', forbidden characters dropped.
    public static func suggest(_ name: String) -> String {
        var base = PathName.lastComponent(name)
        let ext = AudioDecoder.fileExtension(base)
        if !ext.isEmpty, PromptFormat.forExtension(ext.lowercased()) != nil { base = PathName.deletingExtension(base) }
        var out = ""
        for ch in base.lowercased() {
            if ch.isLetter || ch.isNumber || ch == "-" || ch == "_" || ch == "." { out.append(ch) }
            else if ch == " " || ch == "/" || ch == "," { if !out.hasSuffix("-") { out.append("-") } }
        }
        while out.hasPrefix(".") || out.hasPrefix("-") { out.removeFirst() }
        return out.isEmpty ? "prompt" : out
    }
}

/// Settings of `promptc install`.
public struct InstallOptions: Sendable {
    public var name: String?
    public var lang = "en"
    public var subdir = "custom"
    /// From Asterisk's translation costs (`core show translation`): alaw, ulaw and G.722
    /// calls each play their own file untranscoded; slin16 calls play the `.sln16`, and
    /// slin (8 kHz) and GSM calls take it too, as their cheapest step (8500 and 14500
    /// against 9000 and 15000 from G.711). A `.sln` would add nothing a call picks.
    public static let defaultFormats: [PromptFormat] = [.alaw, .ulaw, .g722, .sln16]
    public var formats: [PromptFormat] = InstallOptions.defaultFormats

    /// Two of these extensions that Asterisk reads as the same codec (`sln` and `wav`), if any.
    static func sameCodec(_ extensions: [String]) -> (String, String)? {
        var seen: [String: String] = [:]
        for e in extensions {
            guard let codec = FormatRegistry.asteriskCodec(extension: e) else { continue }
            if let other = seen[codec], other != e { return (other, e) }
            seen[codec] = e
        }
        return nil
    }
    public var soundsDir: String
    /// user:group to own the files; nil = asterisk:asterisk when that user exists.
    public var owner: String?
    public var replace = false
    public var dryRun = false
    /// Install files reached through symbolic links that lead outside the source folders.
    public var followSymlinks = false
    /// Permission bits of installed files: 0644 by default, so the asterisk user (and the
    /// owner) can read them whatever the umask.
    public var mode: mode_t = 0o644
    public var conversion = ConversionOptions()
    /// Conversion warnings (clipping, a truncated input, NaN) are errors: nothing of that
    /// prompt is installed.
    public var strict = false

    public init(soundsDir: String) { self.soundsDir = soundsDir }
}

/// What an install did (or, with dry-run, would do) for one prompt.
public struct InstalledPrompt: Sendable, Codable, Equatable {
    public var name: String
    public var lang: String
    public var subdir: String
    /// Files written (absolute).
    public var files: [String]
    /// Files that existed and were replaced or removed, and where their backup is.
    public var backups: [Backup]
    public var warnings: [String]
    public struct Backup: Sendable, Codable, Equatable {
        public var original: String
        public var backup: String
        public var removed: Bool   // a sibling removed (true) or a file replaced (false)
    }
    /// The dialplan application line that plays it.
    public var dialplan: String { "Playback(\(subdir.isEmpty ? "" : subdir + "/")\(name))" }
}

/// Installs prompts into an Asterisk sounds tree, safely while calls are playing them:
/// each file is prepared under a temporary name in its folder and renamed into place;
/// if any format of a prompt fails, none of its files change. Replaced files are kept
/// in `<sounds>/.promptc-backup/`, and `<sounds>/.promptc-install.json` records every
/// install so that `uninstall` removes exactly that and restores the backups.
public final class PromptInstaller {
    public let options: InstallOptions
    /// The install manifest this installer reads and writes.
    let manifestPath: String

    /// - Parameter manifest: the manifest to use instead of `<sounds>/.promptc-install.json`
    ///   (uninstall --manifest); its folder is then the sounds folder.
    public init(options: InstallOptions, manifest: String? = nil) {
        var o = options
        if let m = manifest { o.soundsDir = PathName.deletingLastComponent(m) }
        o.soundsDir = Self.absolute(o.soundsDir.isEmpty ? "." : o.soundsDir)
        self.options = o
        manifestPath = manifest.map(Self.absolute) ?? o.soundsDir + "/.promptc-install.json"
    }

    /// An absolute, standardized path (relative ones are taken from the working folder).
    static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.path
    }

    /// The manifest file: every install, oldest first. Paths are stored relative to the
    /// sounds folder that holds the manifest, so it means the same from any working folder
    /// (version 2); manifests without a version stored paths as they were typed.
    struct Manifest: Codable { var version: Int?; var installs: [Record] }
    struct Record: Codable { var time: String; var prompts: [InstalledPrompt] }

    /// Groups sources into prompts: a recording is converted to every format; prompt files
    /// (Asterisk extensions) of one name are copied as they are.
    /// One prompt to install: its name, the folder below `--subdir` it goes to (a folder
    /// install keeps the source tree), and a recording or prompt files.
    struct PromptSource { var name: String; var subpath = ""; var recording: String?; var files: [(path: String, format: PromptFormat)] }

    /// Files that are not audio in a folder being installed (notes, pictures): skipped, as
    /// batch skips them, with the reason.
    public private(set) var skipped: [(path: String, reason: String)] = []

    func plan(_ sources: [String]) throws -> [PromptSource] {
        var expanded: [(path: String, subpath: String)] = []
        for s in sources {
            var isDir = false
            guard FileManager.default.fileExists(atPath: s, isDirectory: &isDir) else { throw ConversionError.usage("\(s): no such file or folder") }
            if isDir {
                let tree = FileTree.walk(s, followingLinksOutside: options.followSymlinks)
                if let link = tree.linksOutside.first {
                    throw ConversionError.usage("\(s)/\(link): a symbolic link to a file outside \(s); give --follow-symlinks to install it")
                }
                for rel in tree.files {
                    let path = s + "/" + rel
                    let ext = AudioDecoder.fileExtension(rel)
                    // Found in a folder, not named: skipped when it is not audio, as batch does.
                    let head = (try? ByteSource(path: path).peekOrThrow(65536)) ?? []
                    let kind = head.isEmpty ? AudioDecoder.Detection.unknown : AudioDecoder.detect(head, fileExtension: ext)
                    if (kind == .text || kind == .unknown) && !FormatRegistry.looksLikeAudio(extension: ext) {
                        skipped.append((path, kind == .text ? "not audio (text)" : "not audio"))
                        continue
                    }
                    // The source tree is kept below --subdir: sales/hold.mp3 -> SUBDIR/sales/hold.
                    expanded.append((path, PathName.deletingLastComponent(rel)))
                }
            } else {
                expanded.append((s, ""))
            }
        }
        var prompts: [String: PromptSource] = [:]
        var order: [String] = []
        for (path, subpath) in expanded {
            let ext = AudioDecoder.fileExtension(path)
            let base = PathName.deletingExtension(PathName.lastComponent(path))
            let name = options.name ?? base
            let key = subpath.isEmpty ? name : subpath + "/" + name
            for part in subpath.split(separator: "/") where PromptName.problem(String(part), what: "folder") != nil {
                throw ConversionError.usage("\(path): " + PromptName.problem(String(part), what: "folder")!)
            }
            if prompts[key] == nil { prompts[key] = PromptSource(name: name, subpath: subpath, recording: nil, files: []); order.append(key) }
            // Raw prompt files are prompts; a WAV is one only if Asterisk can play it as it is,
            // otherwise it is a recording to convert. Asked to process (normalize, filter, limit),
            // every file is a recording: copied as it is, it would escape the processing.
            let processing = options.conversion.changesSound
            let asPrompt: PromptFormat? = {
                guard !processing, let f = PromptFormat.forExtension(ext), f != .mp3 else { return nil }
                if f == .wav || f == .wav16 { return (try? PromptCheck.formatProblem(path, format: f)) == .some(nil) ? f : nil }
                return f
            }()
            if let f = asPrompt {
                prompts[key]!.files.append((path, f))
            } else {
                if prompts[key]!.recording != nil { throw ConversionError.usage("two recordings for the prompt '\(key)': \(prompts[key]!.recording!) and \(path)") }
                prompts[key]!.recording = path
            }
        }
        if options.name != nil && order.count > 1 { throw ConversionError.usage("--name gives one name, but there are several prompts") }
        return order.map { prompts[$0]! }
    }

    /// Installs every prompt; returns what was done.
    public func install(_ sources: [String]) throws -> [InstalledPrompt] {
        // The language folder has Asterisk's form (letters, digits and '_' only, so none of
        // the name problems can arise); the subdir follows the name rules.
        if !options.lang.isEmpty, let p = PromptName.languageProblem(options.lang) { throw ConversionError.usage(p) }
        if !options.subdir.isEmpty, let p = PromptName.problem(options.subdir, what: "subdir") { throw ConversionError.usage(p) }
        if let (a, b) = InstallOptions.sameCodec(options.formats.map(\.fileExtension)) {
            throw ConversionError.usage("--formats has both \(a) and \(b): Asterisk would open both for the same call and play either; keep one")
        }
        let prompts = try plan(sources)
        for p in prompts {
            // Say which source the bad name came from (a file found in a folder).
            if let problem = PromptName.problem(p.name) {
                let from = options.name == nil ? (p.recording ?? p.files.first?.path) : nil
                throw ConversionError.usage((from.map { "\($0): " } ?? "") + problem)
            }
        }
        let (uid, gid) = try owner()
        // One install at a time per sounds folder: the checks, the commits and the
        // manifest update of two runs never interleave.
        var lock: FolderLock?
        if !options.dryRun {
            try makeFolders(options.soundsDir, uid: nil, gid: nil)
            lock = try FolderLock(folder: options.soundsDir, wait: true)
        }
        defer { lock?.release() }
        // A damaged manifest stops the install before anything changes.
        var m = try loadManifest()
        let record = m.installs.count
        var done: [InstalledPrompt] = []
        for p in prompts {
            done.append(try installOne(p, uid: uid, gid: gid))
            // Recorded as each prompt completes: an install that fails half-way leaves
            // what it did in the manifest, for uninstall.
            guard !options.dryRun else { continue }
            if m.installs.count == record {
                m.installs.append(Record(time: Date().formatted(.iso8601), prompts: []))
            }
            m.installs[record].prompts.append(done.last!)
            try saveManifest(m)
        }
        return done
    }

    /// The subdir a prompt goes to: --subdir, then the folder it had in the source tree.
    private func subdir(_ p: PromptSource) -> String {
        [options.subdir, p.subpath].filter { !$0.isEmpty }.joined(separator: "/")
    }

    private func folder(_ p: PromptSource) -> String {
        [options.soundsDir, options.lang, subdir(p)].filter { !$0.isEmpty }.joined(separator: "/")
    }

    private func installOne(_ p: PromptSource, uid: uid_t?, gid: gid_t?) throws -> InstalledPrompt {
        let dir = folder(p)
        let writes: [(path: String, format: PromptFormat)] = p.recording != nil
            ? options.formats.map { (dir + "/" + p.name + "." + $0.fileExtension, $0) }
            : p.files.map { (dir + "/" + p.name + "." + AudioDecoder.fileExtension($0.path), $0.format) }
        let targets = Set(writes.map(\.path))
        // Existing files of this name in the folder: the same targets (replaced) and siblings.
        let existing = (try? FileManager.default.contentsOfDirectory(atPath: dir))?.filter {
            PathName.deletingExtension($0) == p.name && !$0.hasPrefix(".")
        }.map { dir + "/" + $0 }.sorted() ?? []
        let replaced = existing.filter { targets.contains($0) }
        let siblings = existing.filter { !targets.contains($0) }
        var warnings: [String] = []
        if !replaced.isEmpty && !options.replace {
            throw ConversionError.failed("\(p.name): already installed (\(replaced.map { PathName.lastComponent($0) }.joined(separator: ", "))); use --replace to replace it (the old files are kept as a backup)")
        }
        // Asterisk opens every file of a prompt that decodes to the call's codec and plays
        // the one opened last (module load order): never two of one codec side by side.
        if let (a, b) = InstallOptions.sameCodec(writes.map { AudioDecoder.fileExtension($0.path) }) {
            throw ConversionError.failed("\(p.name): .\(a) and .\(b) would both be opened by Asterisk for the same call, which then plays either; install one of them")
        }
        let codecs = Dictionary(writes.compactMap { w in
            FormatRegistry.asteriskCodec(extension: AudioDecoder.fileExtension(w.path)).map { ($0, w.path) }
        }, uniquingKeysWith: { a, _ in a })
        if !options.replace, let clash = siblings.first(where: {
            FormatRegistry.asteriskCodec(extension: AudioDecoder.fileExtension($0)).map { codecs[$0] != nil } ?? false
        }) {
            let mine = codecs[FormatRegistry.asteriskCodec(extension: AudioDecoder.fileExtension(clash))!]!
            throw ConversionError.failed("\(p.name): \(clash) is already there and Asterisk would open it with \(PathName.lastComponent(mine)) for the same call, playing either; use --replace to remove it (kept as a backup), or leave that format out")
        }
        if !siblings.isEmpty {
            let list = siblings.map { PathName.lastComponent($0) }.joined(separator: ", ")
            warnings.append(options.replace ? "\(options.dryRun ? "would remove" : "removed") sibling formats Asterisk might pick instead: \(list) (\(options.dryRun ? "kept as a backup" : "backed up"))"
                                            : "other formats of '\(p.name)' stay in \(dir): \(list); Asterisk may play them instead (use --replace to remove them)")
        }
        let millis = Int(Date().timeIntervalSince1970 * 1000)
        let stamp = "\(millis)-\(getpid())"
        let backupRoot = options.soundsDir + "/.promptc-backup/" + stamp
        func backupPath(_ original: String) -> String { backupRoot + "/" + String(original.dropFirst(options.soundsDir.count + 1)) }
        var backups: [InstalledPrompt.Backup] = replaced.map { .init(original: $0, backup: backupPath($0), removed: false) }
        if options.replace { backups += siblings.map { .init(original: $0, backup: backupPath($0), removed: true) } }
        if options.dryRun {
            return InstalledPrompt(name: p.name, lang: options.lang, subdir: subdir(p), files: writes.map(\.path), backups: backups, warnings: warnings)
        }

        // 1. Prepare every file under a temporary name; any failure leaves everything as it was.
        // Writes stay inside the real sounds folder: a folder of the tree that is a link to
        // elsewhere (en/custom -> /etc) is refused before anything is created at its end.
        guard RealPath.isInside(dir, root: options.soundsDir) else {
            throw ConversionError.failed("\(dir): leads outside \(options.soundsDir) through a symbolic link; promptc installs only inside the sounds folder")
        }
        try makeFolders(dir, uid: uid, gid: gid)
        var prepared: [(temp: OutputFile, path: String)] = []
        do {
            if let recording = p.recording {
                // Convert straight into temporaries in the target folder, held uncommitted
                // until the backups are made; .wav and .wav16 get the tail Asterisk drops.
                var c = options.conversion
                c.overwrite = true
                c.padWAVForAsterisk = true
                c.measureLoudness = true
                let (report, files) = try Converter.prepare(input: recording, outputs: writes.map { OutputTarget(path: $0.path, format: $0.format) }, options: c)
                prepared = zip(files, writes).map { ($0, $1.path) }
                // What convert would warn about (clipping, a truncated input, NaN) is shown and
                // recorded; --strict makes it an error and nothing is installed.
                var said = report.warnings.map { "\(recording): \($0.message)" }
                // Far quieter or louder than Asterisk's own prompts: callers notice.
                if let lufs = report.loudnessLUFS, abs(lufs - SoundsDoctor.stockLoudness) > SoundsDoctor.loudnessLimit {
                    said.append("\(recording): " + formatted("%.1f LUFS, %.1f LU ", lufs, abs(lufs - SoundsDoctor.stockLoudness))
                                + (lufs < SoundsDoctor.stockLoudness ? "quieter" : "louder")
                                + formatted(" than Asterisk's own prompts (%.1f LUFS); bring the recording to about that level", SoundsDoctor.stockLoudness))
                } else if report.loudnessLUFS == nil && report.inputSeconds >= 0.4 {
                    said.append("\(recording): silent (nothing above -70 LUFS)")
                }
                if options.strict, let first = said.first {
                    throw ConversionError.failed("\(first); not installed (--strict)")
                }
                warnings += said
            } else {
                for (file, w) in zip(p.files, writes) {
                    if let problem = try PromptCheck.formatProblem(file.path, format: file.format) {
                        throw ConversionError.failed("\(file.path): \(problem.message); not installed")
                    }
                    let out = try OutputFile(path: w.path, overwrite: true)
                    try out.write(try ByteSource(path: file.path).readAll())
                    prepared.append((out, w.path))
                }
            }
            for (out, _) in prepared { try out.setOwnerAndMode(uid: uid, gid: gid, mode: options.mode) }
        } catch {
            prepared.forEach { $0.temp.abort() }
            throw error
        }

        // 2. Back up what is replaced or removed (hard links: the originals stay in place
        //    until the new files are renamed over them, so no reader ever finds nothing).
        for b in backups {
            try FileManager.default.createDirectory(atPath: PathName.deletingLastComponent(b.backup), withIntermediateDirectories: true)
            if link(b.original, b.backup) != 0 { try FileManager.default.copyItem(atPath: b.original, toPath: b.backup) }
        }
        // 3. Rename into place, then remove the replaced siblings.
        try OutputSet(prepared.map(\.temp)).commit()
        for b in backups where b.removed { unlink(b.original) }
        // 4. Check the asterisk user can read what was installed.
        if let u = uid {
            for w in writes where !PromptCheck.readable(w.path, uid: u, gid: gid ?? 0) {
                warnings.append("\(w.path) is not readable by uid \(u): check the folders' modes")
            }
        }
        return InstalledPrompt(name: p.name, lang: options.lang, subdir: subdir(p), files: writes.map(\.path), backups: backups, warnings: warnings)
    }

    /// What uninstall did: one line per file removed or restored, and what failed.
    public struct UninstallResult: Sendable {
        public var lines: [String] = []
        /// Removals or restorations that did not happen; their records stay in the manifest.
        public var failures: [String] = []
    }

    /// Removes every prompt the manifest records (newest first) and restores the backups.
    public func uninstallAll() throws -> UninstallResult {
        let m = try loadManifest(mustExist: true)
        let keys = m.installs.reversed().flatMap { $0.prompts.reversed().map { ($0.name, $0.lang, $0.subdir) } }
        return try uninstall(keys)
    }

    /// Removes what the last install of these prompt names (in the options' language and
    /// subdir) wrote and restores the backups.
    public func uninstall(_ names: [String]) throws -> UninstallResult {
        try uninstall(names.map { ($0, options.lang, options.subdir) })
    }

    private func uninstall(_ keys: [(name: String, lang: String, subdir: String)]) throws -> UninstallResult {
        let lock = options.dryRun ? nil : try FolderLock(folder: options.soundsDir, wait: true)
        defer { lock?.release() }
        var m = try loadManifest(mustExist: !keys.isEmpty)
        var result = UninstallResult()
        for key in keys {
            func matches(_ p: InstalledPrompt) -> Bool { p.name == key.name && p.lang == key.lang && p.subdir == key.subdir }
            guard let ri = m.installs.lastIndex(where: { $0.prompts.contains(where: matches) }),
                  let pi = m.installs[ri].prompts.lastIndex(where: matches) else {
                throw ConversionError.failed("\(key.name): no install of it in \(key.lang)/\(key.subdir) is recorded in \(manifestPath)")
            }
            let p = m.installs[ri].prompts[pi]
            if options.dryRun {
                result.lines += p.files.map { "would remove \($0)" } + p.backups.map { "would restore \($0.original)" }
                continue
            }
            var failed = false
            // Nothing outside the sounds folder is removed or replaced, whatever links the
            // tree holds now.
            let outside = (p.files + p.backups.flatMap { [$0.original, $0.backup] })
                .filter { !RealPath.isInside(PathName.deletingLastComponent($0), root: options.soundsDir) }
            if let f = outside.first {
                result.failures.append("\(f): leads outside \(options.soundsDir) through a symbolic link; \(key.name) was not uninstalled")
                continue
            }
            for f in p.files {
                if unlink(f) == 0 { result.lines.append("removed \(f)") }
                else if errno == ENOENT { result.lines.append("already gone: \(f)") }
                else { failed = true; result.failures.append("\(f): cannot remove: \(String(cString: strerror(errno)))") }
            }
            for b in p.backups {
                if rename(b.backup, b.original) == 0 { result.lines.append("restored \(b.original)") }
                else { failed = true; result.failures.append("\(b.original): cannot restore from \(b.backup): \(String(cString: strerror(errno)))") }
            }
            // A prompt whose removal failed stays recorded, so a later uninstall can finish it.
            if failed { continue }
            m.installs[ri].prompts.remove(at: pi)
            if m.installs[ri].prompts.isEmpty { m.installs.remove(at: ri) }
        }
        if !options.dryRun { try saveManifest(m) }
        return result
    }

    /// Reads the manifest (none yet: empty). A damaged one, or one with a path that leaves
    /// the sounds folder, is an error naming it.
    func loadManifest(mustExist: Bool = false) throws -> Manifest {
        guard let d = FileManager.default.contents(atPath: manifestPath) else {
            if mustExist { throw ConversionError.failed("\(manifestPath): no such install manifest") }
            return Manifest(version: 2, installs: [])
        }
        guard var m = try? JSONDecoder().decode(Manifest.self, from: d) else {
            throw ConversionError.failed("\(manifestPath): not a promptc install manifest (damaged?); it was left as it is")
        }
        let root = options.soundsDir
        func resolve(_ stored: String, _ p: InstalledPrompt, backup: Bool) throws -> String {
            var rel = stored
            if m.version == nil {
                // Version 1 stored paths as typed: keep the part below the sounds folder.
                if backup, let r = stored.firstRange(of: "/.promptc-backup/") { rel = String(stored[stored.index(after: r.lowerBound)...]) }
                else if !backup {
                    rel = [p.lang, p.subdir, PathName.lastComponent(stored)].filter { !$0.isEmpty }.joined(separator: "/")
                }
            }
            let parts = rel.split(separator: "/")
            guard !rel.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
                throw ConversionError.failed("\(manifestPath): the path '\(stored)' leaves the sounds folder; the manifest was not used")
            }
            return root + "/" + rel
        }
        for r in m.installs.indices {
            for p in m.installs[r].prompts.indices {
                let prompt = m.installs[r].prompts[p]
                m.installs[r].prompts[p].files = try prompt.files.map { try resolve($0, prompt, backup: false) }
                for b in prompt.backups.indices {
                    m.installs[r].prompts[p].backups[b].original = try resolve(prompt.backups[b].original, prompt, backup: false)
                    m.installs[r].prompts[p].backups[b].backup = try resolve(prompt.backups[b].backup, prompt, backup: true)
                }
            }
        }
        m.version = 2
        return m
    }

    private func saveManifest(_ m: Manifest) throws {
        var stored = m
        let prefix = options.soundsDir + "/"
        func rel(_ p: String) -> String { p.hasPrefix(prefix) ? String(p.dropFirst(prefix.count)) : p }
        for r in stored.installs.indices {
            for p in stored.installs[r].prompts.indices {
                stored.installs[r].prompts[p].files = stored.installs[r].prompts[p].files.map(rel)
                for b in stored.installs[r].prompts[p].backups.indices {
                    stored.installs[r].prompts[p].backups[b].original = rel(stored.installs[r].prompts[p].backups[b].original)
                    stored.installs[r].prompts[p].backups[b].backup = rel(stored.installs[r].prompts[p].backups[b].backup)
                }
            }
        }
        stored.version = 2
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let out = try OutputFile(path: manifestPath, overwrite: true)
        try out.write([UInt8](try e.encode(stored)))
        try out.commit()
    }

    /// uid/gid of --owner, else of the asterisk user when it exists, else nil (leave as is).
    func owner() throws -> (uid_t?, gid_t?) {
        let spec = options.owner ?? (getpwnam("asterisk") != nil ? "asterisk:asterisk" : nil)
        guard let s = spec else { return (nil, nil) }
        // USER, USER:GROUP, :GROUP; names or numbers (65534:65534), as chown takes them.
        let parts = s.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        var uid: uid_t?, gid: gid_t?
        if !parts[0].isEmpty {
            if let pw = getpwnam(parts[0]) { uid = pw.pointee.pw_uid; gid = pw.pointee.pw_gid }
            else if let n = UInt32(parts[0]) { uid = n }
            else { throw ConversionError.usage("--owner: no user '\(parts[0])'") }
        }
        if parts.count == 2 && !parts[1].isEmpty {
            if let gr = getgrnam(parts[1]) { gid = gr.pointee.gr_gid }
            else if let n = UInt32(parts[1]) { gid = n }
            else { throw ConversionError.usage("--owner: no group '\(parts[1])'") }
        }
        if uid == nil && gid == nil { throw ConversionError.usage("--owner takes USER, USER:GROUP or :GROUP (names or numbers)") }
        return (uid, gid)
    }

    /// Creates missing folders 0755, owned like the files.
    private func makeFolders(_ dir: String, uid: uid_t?, gid: gid_t?) throws {
        var missing: [String] = []
        var d = dir
        while !FileManager.default.fileExists(atPath: d) && d != "/" && !d.isEmpty {
            missing.append(d)
            d = PathName.deletingLastComponent(d)
        }
        for m in missing.reversed() {
            if mkdir(m, 0o755) != 0 && errno != EEXIST { throw AudioIOError(.writeFailed, m, "cannot create: \(String(cString: strerror(errno)))") }
            chmod(m, 0o755)
            if uid != nil || gid != nil { chown(m, uid ?? uid_t.max, gid ?? gid_t.max) }
        }
    }
}

/// Checks of prompt files shared by `install` and `doctor`.
public enum PromptCheck {
    /// Why a prompt file is not what its format says, or nil: the format's own content
    /// check (``OutputFormat/problem(at:)``), shared with doctor, info and verify.
    public static func formatProblem(_ path: String, format: PromptFormat) throws -> PromptProblem? {
        try format.spec.problem(at: path)
    }

    /// Whether user uid (group gid) can read `path` and enter every folder above it.
    public static func readable(_ path: String, uid: uid_t, gid: gid_t) -> Bool {
        func allows(_ p: String, _ bits: (UInt32, UInt32, UInt32)) -> Bool {
            var st = stat()
            guard stat(p, &st) == 0 else { return false }
            if uid == 0 { return true }
            let mode = UInt32(st.st_mode)
            if st.st_uid == uid { return mode & bits.0 != 0 }
            if st.st_gid == gid { return mode & bits.1 != 0 }
            return mode & bits.2 != 0
        }
        guard allows(path, (0o400, 0o040, 0o004)) else { return false }
        var d = PathName.deletingLastComponent(path)
        while !d.isEmpty && d != "/" {
            if !allows(d, (0o100, 0o010, 0o001)) { return false }
            d = PathName.deletingLastComponent(d)
        }
        return true
    }
}

extension OutputFile {
    /// Sets owner and mode on the temporary file before it is renamed into place.
    func setOwnerAndMode(uid: uid_t?, gid: gid_t?, mode: mode_t) throws {
        try withTemporaryDescriptor { fd in
            fchmod(fd, mode)
            if uid != nil || gid != nil, fchown(fd, uid ?? uid_t.max, gid ?? gid_t.max) != 0 {
                throw AudioIOError(.writeFailed, path, "cannot give it to \(uid.map { "uid \($0)" } ?? "") \(gid.map { "gid \($0)" } ?? ""): \(String(cString: strerror(errno)))")
            }
        }
    }
}
