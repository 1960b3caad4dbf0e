import AudioIO
import DSP
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One finding in a sounds tree, with a one-line fix.
public struct DoctorFinding: Sendable, Codable, Equatable {
    /// A problem makes Asterisk play silence, noise or the wrong file; a note is an
    /// inconsistency callers may notice but that plays (formats of one recording at
    /// different gains).
    public enum Severity: String, Sendable, Codable { case problem, note }
    public var file: String
    public var problem: String
    public var fix: String
    public var severity: Severity = .problem

    public init(file: String, problem: String, fix: String, severity: Severity = .problem) {
        self.file = file
        self.problem = problem
        self.fix = fix
        self.severity = severity
    }
}

/// Audits an Asterisk sounds tree (or one prompt file) for what makes Asterisk play
/// silence, noise or the wrong file (`promptc doctor`). It reasons as Asterisk does:
/// lower-case extensions only, the language lookup order (`xx_YY_ZZ`, `xx_YY`, `xx`, the
/// folder without language, then `en`; the first folder holding the name in any format
/// wins, with no fallback when its file is broken), and different languages are meant to
/// differ. Real trees (Debian's stock prompts in every language it ships) give no finding.
public enum SoundsDoctor {
    /// Extensions Asterisk plays (the registry's table of its file formats), and the
    /// text files the sound packages ship beside them.
    static func known(_ ext: String) -> Bool { FormatRegistry.asteriskPlays(extension: ext) || ext == "txt" }

    /// Siblings (formats of one prompt in one folder) may differ in length by this much
    /// beyond the longer codec frame of the two, and in RMS level by these amounts.
    /// Debian's stock prompts measure at most 19.9 ms (GSM's 20 ms frame) and 0.1 ms, and
    /// levels of -3.15 to +0.06 dB (.gsm) and +0.02 to +4.47 dB (.g722, another master)
    /// against their .wav; PCM and G.711 siblings made from one recording agree within
    /// 0.02 dB (README, "doctor").
    static let siblingLengthSlack = 20.0           // ms
    static let siblingLevelLimit = 1.0             // dB, PCM and G.711 pairs
    static let siblingCodecLevelLimit = 6.0        // dB, pairs with GSM, G.722 or G.729

    /// The loudness of Asterisk's own prompts: Debian's stock English prompts measure a
    /// median of -19.0 LUFS integrated (ITU-R BS.1770-4; `Scripts/stock-loudness.sh`).
    public static let stockLoudness = -19.0
    /// A prompt is reported when it is this far (LU) both from `stockLoudness` and from the
    /// median of its folder. Debian's stock prompts in five languages lie within 8.6 LU
    /// below and 11.2 LU above (a beep), so none is (README, "doctor").
    public static let loudnessLimit = 12.0

    /// Audits `path`: a sounds folder (the whole tree) or one prompt file in it. Throws
    /// when the path does not exist.
    /// - Parameter reader: the user Asterisk runs as (uid, gid), to check readability.
    /// - Parameter soundsHint: the configured sounds folder, which tells where the tree
    ///   above a single file starts (else a folder named `sounds`, or one holding promptc's
    ///   install manifest).
    public static func audit(_ path: String, reader: (uid_t, gid_t)? = nil, soundsHint: String? = nil) throws -> [DoctorFinding] {
        var st = stat()
        guard stat(path, &st) == 0 else {
            throw ConversionError.usage("\(path): \(String(cString: strerror(errno)))")
        }
        if st.st_mode & S_IFMT != S_IFDIR {
            // One file: its own checks, with fixes that name its language and subdir when
            // the sounds folder above it is known.
            var parts = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            let name = parts.removeLast()
            var root = parts.joined(separator: "/"), rel = name
            let hint = soundsHint.map(RealPath.resolve)
            for i in stride(from: parts.count, through: 1, by: -1) {
                let folder = parts[..<i].joined(separator: "/")
                var st = stat()
                if (hint != nil && RealPath.resolve(folder) == hint) || parts[i - 1] == "sounds"
                    || stat(folder + "/.promptc-install.json", &st) == 0 {
                    root = folder
                    rel = (parts[i...] + [name]).joined(separator: "/")
                    break
                }
            }
            if root.isEmpty { root = path.hasPrefix("/") ? "/" : "." }
            return Tree(root: root, files: [rel]).fileFindings(reader: reader)
        }
        return try examine(path, reader: reader, soundsHint: soundsHint).findings
    }

    /// What doctor found in a tree, and how loud its prompts are against Asterisk's own.
    public struct Examination: Sendable {
        public var findings: [DoctorFinding]
        /// Integrated loudness of the tree's prompts (nil for a single file or when none measures).
        public var loudness: LoudnessSummary?
    }

    /// The loudness of a set of prompts, LUFS, against ``stockLoudness``.
    public struct LoudnessSummary: Sendable, Codable, Equatable {
        public var prompts: Int
        public var median: Double
        public var percentile10: Double
        public var percentile90: Double
        /// Prompts whose true peak passes -1 dBTP.
        public var truePeakAboveCeiling: Int
    }

    /// ``audit`` with the tree's loudness summary.
    public static func examine(_ path: String, reader: (uid_t, gid_t)? = nil, soundsHint: String? = nil) throws -> Examination {
        var st = stat()
        guard stat(path, &st) == 0, st.st_mode & S_IFMT == S_IFDIR else {
            return Examination(findings: try audit(path, reader: reader, soundsHint: soundsHint), loudness: nil)
        }
        let tree = Tree(root: path, files: FileTree.walk(path, followingLinksOutside: true).files)
        let findings = tree.fileFindings(reader: reader) + tree.loudnessFindings() + tree.siblingFindings() + tree.lookupFindings()
        return Examination(findings: findings, loudness: tree.loudnessSummary())
    }

    /// Asterisk's language form: a lower-case code of 2-3 letters, then `_` parts.
    static func isLanguage(_ s: String) -> Bool { !s.isEmpty && PromptName.languageProblem(s) == nil }

    /// The folders Asterisk tries for a caller of language `lang`, in order: the language,
    /// each shorter form, the folder without language, then `en`.
    static func lookupChain(_ lang: String) -> [String] {
        if lang.isEmpty { return ["", "en"] }   // a language with no folder of its own
        var chain: [String] = []
        var parts = lang.split(separator: "_").map(String.init)
        while !parts.isEmpty {
            chain.append(parts.joined(separator: "_"))
            parts.removeLast()
        }
        chain.append("")
        if !chain.contains("en") { chain.append("en") }
        return chain
    }

    /// Asterisk's silence placeholders (`silence/1` ... `silence/10`, which SayNumber and
    /// friends use for pauses) are silent on purpose.
    static func isSilencePlaceholder(_ rel: String) -> Bool {
        rel.split(separator: "/").dropLast().contains("silence")
    }

    /// How far (dB) the sound drops across 4 kHz when a 16 kHz file holds 8 kHz audio:
    /// real content up to 3.9 kHz (at least -40 dB of the total from 3 to 3.9 kHz), then
    /// less than -50 dB of the total above 4.1 kHz and 40 dB below the band under 4 kHz.
    /// A tone (a beep) or a recording band-limited at 3.4 kHz, as some of Debian's
    /// wideband prompts are, has no such cliff. Nil when there is none.
    static func narrowbandCliff(_ path: String) -> Double? {
        guard let s = try? AudioDecoder.open(path), s.sampleRate == 16000 else { return nil }
        var x: [Float] = []
        // First channel, first minute: enough to tell.
        _ = try? s.forEachBlock { block, n in
            if x.count < 16000 * 60 { for f in 0..<n { x.append(block[f * s.channels]) } }
        }
        let db = Spectrum.averageDB(x, size: 512)
        guard db.count > 1 else { return nil }
        let power = db.map { pow(10, $0 / 10) }
        let hz = 8000 / Double(db.count - 1)
        func band(_ lo: Double, _ hi: Double) -> Double {
            power.indices.filter { Double($0) * hz >= lo && Double($0) * hz < hi }.reduce(0) { $0 + power[$1] }
        }
        let total = power.reduce(0, +)
        guard total > 0 else { return nil }
        let below = band(3000, 3900) / total, above = band(4100, 8001) / total
        guard below > 1e-4, above < 1e-5, above < 1e-4 * below else { return nil }
        return 10 * log10(below / max(above, 1e-30))
    }

    /// A sounds tree as doctor sees it: the files (relative to the root), what each
    /// measures, and where each prompt lives.
    final class Tree {
        let root: String
        let files: [String]
        private var infos: [String: FileInfo?] = [:]
        private var problems: [String: String] = [:]     // rel -> why it is broken

        init(root: String, files: [String]) {
            self.root = root
            self.files = files
        }

        func path(_ rel: String) -> String { root + "/" + rel }

        func info(_ rel: String) -> FileInfo? {
            if let i = infos[rel] { return i }
            let i = try? Inspector.inspect(path(rel))
            infos[rel] = i
            return i
        }

        /// Language, subdir and name of a prompt file, as `install` names them.
        func location(_ rel: String) -> (lang: String, subdir: String, name: String) {
            var parts = rel.split(separator: "/").map(String.init)
            let name = PathName.deletingExtension(parts.removeLast())
            var lang = ""
            if let first = parts.first, isLanguage(first) { lang = first; parts.removeFirst() }
            return (lang, parts.joined(separator: "/"), name)
        }

        /// The install command that replaces a prompt, runnable where it is pasted.
        func reinstall(_ rel: String) -> String {
            let (lang, subdir, name) = location(rel)
            return "promptc install RECORDING --sounds-dir '\(root)' --lang '\(lang)' --subdir '\(subdir)' --name '\(name)' --replace"
        }

        // MARK: Each file

        func fileFindings(reader: (uid_t, gid_t)?) -> [DoctorFinding] {
            var findings: [DoctorFinding] = []
            for rel in files {
                let file = path(rel)
                let ext = AudioDecoder.fileExtension(rel)
                let base = PathName.deletingExtension(rel)
                if ext != ext.lowercased() && known(ext.lowercased()) {
                    // .WAV is Asterisk's GSM-in-WAV (wav49); anything else under it fails.
                    if ext == "WAV", (try? AudioDecoder.open(file))?.stream.codec == .gsm610 { continue }
                    findings.append(.init(file: file, problem: "upper-case extension .\(ext): Asterisk only looks for lower-case ones",
                                          fix: "mv '\(file)' '\(path(base)).\(ext.lowercased())'"))
                    continue
                }
                if !known(ext) {
                    findings.append(.init(file: file, problem: "unknown extension \(ext.isEmpty ? "(none)" : "." + ext): Asterisk never plays it",
                                          fix: "convert it: \(reinstall(rel).replacing("RECORDING", with: "'\(file)'")), or remove it"))
                    continue
                }
                if let r = reader, !PromptCheck.readable(file, uid: r.0, gid: r.1) {
                    findings.append(.init(file: file, problem: "not readable by the asterisk user (uid \(r.0))",
                                          fix: "chown asterisk:asterisk '\(file)' && chmod 644 '\(file)'"))
                }
                guard let format = PromptFormat.forExtension(ext) else { continue }   // au, g726 and the like: not inspected
                // An empty prompt (no bytes, or a WAV header alone) plays as success with no
                // sound: languages use them on purpose where English has a word theirs
                // does not (Debian's ru/is), so they are not reported.
                var st = stat()
                if stat(file, &st) == 0 && st.st_size == 0 { continue }
                if let problem = try? PromptCheck.formatProblem(file, format: format) {
                    problems[rel] = problem.message
                    findings.append(.init(file: file, problem: problem.message, fix: reinstall(rel)))
                    continue
                }
                guard let i = info(rel) else {
                    problems[rel] = "does not decode"
                    findings.append(.init(file: file, problem: "does not decode", fix: reinstall(rel)))
                    continue
                }
                if i.frames == 0 { continue }
                // A file cut short (a WAV whose header promises more than it holds), damage.
                for w in i.warnings {
                    findings.append(.init(file: file, problem: w, fix: reinstall(rel)))
                }
                if i.rmsDBFS < -60 && !isSilencePlaceholder(rel) {
                    findings.append(.init(file: file, problem: formatted("near-silent (RMS %.1f dBFS)", i.rmsDBFS), fix: reinstall(rel)))
                } else if i.clippedSamples > max(3, i.frames / 1000) {
                    findings.append(.init(file: file, problem: "clipped: \(i.clippedSamples) samples at the largest value .\(ext) holds",
                                          fix: "lower the level of the recording, then \(reinstall(rel))"))
                }
                if format.sampleRate == 16000, let cliff = narrowbandCliff(file) {
                    findings.append(.init(file: file, problem: formatted("its sound stops dead at 4 kHz (%.0f dB across it): 8 kHz audio in a 16 kHz file", cliff),
                                          fix: "make it from the original recording: \(reinstall(rel))"))
                }
            }
            return findings
        }

        // MARK: Loudness against the folder and Asterisk's own prompts

        func loudnessFindings() -> [DoctorFinding] {
            var byFolder: [String: [(rel: String, lufs: Double)]] = [:]
            for rel in files where problems[rel] == nil && PromptFormat.forExtension(AudioDecoder.fileExtension(rel)) != nil {
                guard let lufs = (infos[rel] ?? nil)?.loudnessLUFS else { continue }
                byFolder[PathName.deletingLastComponent(rel), default: []].append((rel, lufs))
            }
            var findings: [DoctorFinding] = []
            for (_, members) in byFolder.sorted(by: { $0.key < $1.key }) {
                let sorted = members.map(\.lufs).sorted()
                let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
                for m in members.sorted(by: { $0.rel < $1.rel })
                where abs(m.lufs - stockLoudness) > loudnessLimit && abs(m.lufs - median) > loudnessLimit {
                    let word = m.lufs < stockLoudness ? "quieter" : "louder"
                    findings.append(.init(file: path(m.rel),
                                          problem: formatted("%.1f LUFS: %.1f LU ", m.lufs, abs(m.lufs - stockLoudness)) + word
                                              + formatted(" than Asterisk's own prompts (%.1f LUFS) and %.1f LU from the rest of its folder (%.1f LUFS)", stockLoudness, abs(m.lufs - median), median),
                                          fix: "bring the recording to about \(Int(stockLoudness)) LUFS, then \(reinstall(m.rel))"))
                }
            }
            return findings
        }

        /// The loudness of every prompt that measures (from the measures already taken).
        func loudnessSummary() -> LoudnessSummary? {
            let measured = files.compactMap { rel -> FileInfo? in
                guard problems[rel] == nil, PromptFormat.forExtension(AudioDecoder.fileExtension(rel)) != nil else { return nil }
                return infos[rel] ?? nil
            }
            let lufs = measured.compactMap(\.loudnessLUFS).sorted()
            guard !lufs.isEmpty else { return nil }
            func at(_ share: Double) -> Double { lufs[min(lufs.count - 1, Int((share * Double(lufs.count - 1)).rounded()))] }
            return LoudnessSummary(prompts: lufs.count, median: at(0.5), percentile10: at(0.1), percentile90: at(0.9),
                                   truePeakAboveCeiling: measured.filter { ($0.truePeakDBTP ?? -100) > -1 }.count)
        }

        // MARK: Formats of one prompt in one folder

        func siblingFindings() -> [DoctorFinding] {
            var findings: [DoctorFinding] = []
            var groups: [String: [String]] = [:]
            for rel in files where FormatRegistry.asteriskPlays(extension: AudioDecoder.fileExtension(rel)) {
                groups[PathName.deletingExtension(rel), default: []].append(rel)
            }
            for (_, members) in groups.sorted(by: { $0.key < $1.key }) where members.count > 1 {
                // Two files Asterisk reads as one codec: it opens both and plays either.
                var byCodec: [String: String] = [:]
                for m in members.sorted() {
                    guard let codec = FormatRegistry.asteriskCodec(extension: AudioDecoder.fileExtension(m)) else { continue }
                    if let other = byCodec[codec] {
                        findings.append(.init(file: path(m),
                                              problem: "Asterisk reads it and \(PathName.lastComponent(other)) as the same codec (\(codec)): it opens both for a call and plays either, by module load order",
                                              fix: "rm '\(path(m))' (or the other one)"))
                    } else {
                        byCodec[codec] = m
                    }
                }
                // The same audio in every format: compare each with the best-kept one.
                let measured = members.filter { problems[$0] == nil && PromptFormat.forExtension(AudioDecoder.fileExtension($0)) != nil }
                    .compactMap { m in info(m).map { (rel: m, info: $0) } }
                    .filter { $0.info.frames > 0 && $0.info.rmsDBFS >= -60 }
                guard let reference = measured.min(by: { rank($0.rel) < rank($1.rel) }) else { continue }
                for m in measured where m.rel != reference.rel {
                    let a = PromptFormat.forExtension(AudioDecoder.fileExtension(m.rel))!, b = PromptFormat.forExtension(AudioDecoder.fileExtension(reference.rel))!
                    let frameMs = max(frameMilliseconds(a), frameMilliseconds(b))
                    let dt = (m.info.seconds - reference.info.seconds) * 1000
                    let dl = m.info.rmsDBFS - reference.info.rmsDBFS
                    let levelLimit = a.spec.isLossyCodec || b.spec.isLossyCodec ? siblingCodecLevelLimit : siblingLevelLimit
                    var what: [String] = []
                    if abs(dt) > siblingLengthSlack + frameMs {
                        what.append(formatted("%.0f ms ", abs(dt)) + (dt > 0 ? "longer" : "shorter"))
                    }
                    if abs(dl) > levelLimit {
                        what.append(formatted("%.1f dB ", abs(dl)) + (dl > 0 ? "louder" : "quieter"))
                    }
                    if !what.isEmpty {
                        // Another length is another recording: callers hear different words by
                        // codec. The same length at another level is one recording at another
                        // gain: it plays, callers may notice.
                        let anotherRecording = abs(dt) > siblingLengthSlack + frameMs
                        findings.append(.init(file: path(m.rel),
                                              problem: "is \(what.joined(separator: " and ")) than \(PathName.lastComponent(reference.rel)): "
                                                  + (anotherRecording ? "not the same recording; callers hear one or the other by codec"
                                                                      : "the same length at another level; callers hear it louder or quieter by codec"),
                                              fix: "install every format from one recording: \(reinstall(m.rel))",
                                              severity: anotherRecording ? .problem : .note))
                    }
                }
            }
            return findings
        }

        /// Which sibling the others are compared with: wideband PCM, PCM, G.711, then codecs.
        func rank(_ rel: String) -> Int {
            guard let f = PromptFormat.forExtension(AudioDecoder.fileExtension(rel)) else { return 9 }
            if f.spec.isLossyCodec { return 4 }
            if f.spec.headerless?.encoding == .alaw || f.spec.headerless?.encoding == .ulaw { return 3 }
            return f.sampleRate > 8000 ? 1 : 2
        }

        func frameMilliseconds(_ f: PromptFormat) -> Double {
            guard let c = f.spec.frameSamples else { return 0 }
            return 1000 * Double(c) / Double(f.sampleRate)
        }

        // MARK: Asterisk's lookup across language folders

        /// Findings from the language lookup: a prompt promptc installed that some
        /// callers hear from another folder, and a broken file that hides a good one.
        func lookupFindings() -> [DoctorFinding] {
            var findings: [DoctorFinding] = []
            // Language folders as Asterisk sees them (Debian's en -> en_US_f_Allison counts).
            let languages = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).filter { name in
                var st = stat()
                return isLanguage(name) && stat(path(name), &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
            }.sorted()
            var namesIn: [String: Set<String>] = [:]       // folder ("" = no language) -> prompt names
            func names(_ folder: String) -> Set<String> {
                if let n = namesIn[folder] { return n }
                var set = Set<String>()
                if folder.isEmpty {
                    // Files outside every language folder.
                    for rel in files where FormatRegistry.asteriskPlays(extension: AudioDecoder.fileExtension(rel)) {
                        let parts = rel.split(separator: "/")
                        if parts.count == 1 || !isLanguage(String(parts[0])) { set.insert(PathName.deletingExtension(rel)) }
                    }
                } else {
                    for rel in FileTree.walk(path(folder), followingLinksOutside: true).files
                    where FormatRegistry.asteriskPlays(extension: AudioDecoder.fileExtension(rel)) {
                        set.insert(PathName.deletingExtension(rel))
                    }
                }
                namesIn[folder] = set
                return set
            }
            func winner(_ lang: String, _ name: String) -> String? {
                lookupChain(lang).first { names($0).contains(name) }
            }
            func realFolder(_ folder: String) -> String { RealPath.resolve(folder.isEmpty ? root : path(folder)) }
            func filesOf(_ folder: String, _ name: String) -> [String] {
                let dir = folder.isEmpty ? root : path(folder)
                return FormatRegistry.asteriskFileFormats.flatMap(\.extensions).compactMap { ext in
                    var st = stat()
                    return stat(dir + "/" + name + "." + ext, &st) == 0 ? dir + "/" + name + "." + ext : nil
                }
            }
            func isBroken(_ file: String) -> Bool {
                if let rel = files.first(where: { RealPath.resolve(path($0)) == RealPath.resolve(file) }) { return problems[rel] != nil }
                guard let f = PromptFormat.forExtension(AudioDecoder.fileExtension(file)) else { return false }
                return ((try? PromptCheck.formatProblem(file, format: f)) ?? nil) != nil
            }

            // 1. What promptc installed, heard from elsewhere by some callers.
            let installer = PromptInstaller(options: InstallOptions(soundsDir: root))
            if let manifest = try? installer.loadManifest() {
                var latest: [String: InstalledPrompt] = [:]
                for record in manifest.installs { for p in record.prompts { latest[[p.lang, p.subdir, p.name].joined(separator: "/")] = p } }
                for (_, p) in latest.sorted(by: { $0.key < $1.key }) where p.files.contains(where: { FileManager.default.fileExists(atPath: $0) }) {
                    let name = [p.subdir, p.name].filter { !$0.isEmpty }.joined(separator: "/")
                    // The callers who would reach the installed folder: its language, the
                    // languages below it, and (for the no-language and en folders) callers
                    // of languages without a folder of their own ("" stands for them).
                    let callers = Set([p.lang, ""] + languages).filter { lookupChain($0).contains(p.lang) }
                    var heardElsewhere: [(lang: String, folder: String)] = []
                    for lang in callers.sorted() {
                        guard let w = winner(lang, name), realFolder(w) != realFolder(p.lang) else { continue }
                        heardElsewhere.append((lang, w))
                    }
                    guard let first = heardElsewhere.first else { continue }
                    let shown = filesOf(first.folder, name).first ?? path([first.folder, name].filter { !$0.isEmpty }.joined(separator: "/"))
                    let who = heardElsewhere.map { $0.lang.isEmpty ? "languages without a folder" : $0.lang }.joined(separator: ", ")
                    findings.append(.init(file: shown,
                                          problem: "wins over \(p.lang.isEmpty ? "" : p.lang + "/")\(name), which promptc installed: callers with language \(who) hear this file instead (Asterisk takes the first folder that has the name)",
                                          fix: "rm '\(shown)' if it is stale, or install the recording into \(first.folder.isEmpty ? "the folder without language" : first.folder) too: promptc install RECORDING --sounds-dir '\(root)' --lang '\(first.folder)' --subdir '\(p.subdir)' --name '\(p.name)' --replace"))
                }
            }

            // 2. A broken file that hides a good one: Asterisk does not fall back.
            for (rel, why) in problems.sorted(by: { $0.key < $1.key }) {
                let (lang, subdir, name) = location(rel)
                let prompt = [subdir, name].filter { !$0.isEmpty }.joined(separator: "/")
                var hidden: [String] = []
                for caller in Set([lang, ""] + languages).sorted() {
                    let chain = lookupChain(caller)
                    guard let w = winner(caller, prompt), realFolder(w) == realFolder(lang),
                          let at = chain.firstIndex(of: w) else { continue }
                    for later in chain[(at + 1)...] where names(later).contains(prompt) && realFolder(later) != realFolder(lang) {
                        if let good = filesOf(later, prompt).first(where: { !isBroken($0) }) {
                            hidden.append("\(caller.isEmpty ? "languages without a folder" : caller) (\(good))")
                        }
                        break
                    }
                }
                if !hidden.isEmpty {
                    findings.append(.init(file: path(rel),
                                          problem: "\(why), and it hides a good copy: callers with language \(hidden.joined(separator: ", ")) get this one, and Asterisk does not fall back",
                                          fix: "rm '\(path(rel))', or \(reinstall(rel))"))
                }
            }
            return findings
        }
    }
}
