import AudioIO
import DSP
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// One problem in a sounds tree, with a one-line fix.
public struct DoctorFinding: Sendable, Codable, Equatable {
    public var file: String
    public var problem: String
    public var fix: String
}

/// Audits an Asterisk sounds tree for what makes Asterisk play silence, noise or the
/// wrong file (`promptc doctor`).
public enum SoundsDoctor {
    /// Extensions Asterisk plays (the registry's table of its file formats), and the
    /// text files the sound packages ship beside them.
    static func known(_ ext: String) -> Bool { FormatRegistry.asteriskPlays(extension: ext) || ext == "txt" }

    /// - Parameter reader: the user Asterisk runs as (uid, gid), to check readability.
    public static func audit(_ sounds: String, reader: (uid_t, gid_t)? = nil) -> [DoctorFinding] {
        var findings: [DoctorFinding] = []
        // Doctor only reads: language folders linked from elsewhere (Debian's en -> ...) count.
        let files = FileTree.walk(sounds, followingLinksOutside: true).files
        var infos: [String: FileInfo] = [:]
        func info(_ rel: String) -> FileInfo? {
            if let i = infos[rel] { return i }
            let i = try? Inspector.inspect(sounds + "/" + rel)
            infos[rel] = i
            return i
        }
        for rel in files {
            let path = sounds + "/" + rel
            let ext = AudioDecoder.fileExtension(rel)
            let base = PathName.deletingExtension(rel)
            if ext != ext.lowercased() && known(ext.lowercased()) {
                findings.append(.init(file: path, problem: "upper-case extension .\(ext): Asterisk only looks for lower-case ones",
                                      fix: "mv '\(path)' '\(sounds)/\(base).\(ext.lowercased())'"))
                continue
            }
            if !known(ext) {
                findings.append(.init(file: path, problem: "unknown extension \(ext.isEmpty ? "(none)" : "." + ext): Asterisk never plays it",
                                      fix: "promptc install '\(path)' (converts it), or remove it"))
                continue
            }
            if let r = reader, !PromptCheck.readable(path, uid: r.0, gid: r.1) {
                findings.append(.init(file: path, problem: "not readable by the asterisk user (uid \(r.0))",
                                      fix: "chown asterisk:asterisk '\(path)' && chmod 644 '\(path)'"))
            }
            guard let format = PromptFormat.forExtension(ext) else { continue }   // gsm and the like: not inspected
            if let problem = try? PromptCheck.formatProblem(path, format: format) {
                findings.append(.init(file: path, problem: problem.message, fix: "promptc install --replace <the recording> --name \(PathName.lastComponent(base))"))
                continue
            }
            guard let i = info(rel) else {
                findings.append(.init(file: path, problem: "does not decode", fix: "reinstall it from the recording"))
                continue
            }
            if i.frames == 0 || i.rmsDBFS < -60 {
                findings.append(.init(file: path, problem: i.frames == 0 ? "empty" : formatted("near-silent (RMS %.1f dBFS)", i.rmsDBFS),
                                      fix: "reinstall it from the recording"))
            } else if i.clippedSamples > max(3, i.frames / 1000) {
                findings.append(.init(file: path, problem: "clipped: \(i.clippedSamples) samples at full scale",
                                      fix: "lower the level of the recording and reinstall"))
            }
            if format == .sln16 || format == .wav16, let share = highBandShare(path), share < 1e-5 {
                findings.append(.init(file: path, problem: formatted("nothing above 4 kHz (%.0f dB): 8 kHz audio in a 16 kHz file", 10 * log10(max(share, 1e-30))),
                                      fix: "make it from the original recording: promptc convert REC -o '\(path)' -y"))
            }
        }
        // Sibling formats of one prompt must be the same audio.
        var groups: [String: [String]] = [:]
        for rel in files where PromptFormat.forExtension(AudioDecoder.fileExtension(rel)) != nil {
            groups[PathName.deletingExtension(rel), default: []].append(rel)
        }
        for (_, members) in groups.sorted(by: { $0.key < $1.key }) where members.count > 1 {
            let measured = members.compactMap { m in info(m).map { (m, $0) } }.filter { $0.1.frames > 0 }
            guard let first = measured.first else { continue }
            for (m, i) in measured.dropFirst() {
                let dt = abs(i.seconds - first.1.seconds) * 1000, dl = abs(i.rmsDBFS - first.1.rmsDBFS)
                if dt > 20 || dl > 1 {
                    findings.append(.init(file: sounds + "/" + m,
                                          problem: "differs from \(PathName.lastComponent(first.0)): " + formatted("%.0f ms longer/shorter, %.1f dB level", dt, dl),
                                          fix: "install all formats from one recording: promptc install REC --replace"))
                }
            }
        }
        // The same prompt in a language folder and in the language-less folder (or xx and xx_YY):
        // the first folder that holds the name wins, so a stale copy shadows the other.
        let languageFolders = Set(files.compactMap { $0.split(separator: "/").first.map(String.init) }.filter(isLanguage))
        var byKey: [String: [String]] = [:]
        for rel in files where PromptFormat.forExtension(AudioDecoder.fileExtension(rel)) != nil {
            let parts = rel.split(separator: "/").map(String.init)
            let lang = parts.count > 1 && languageFolders.contains(parts[0]) ? parts[0] : ""
            let key = (lang.isEmpty ? parts : Array(parts.dropFirst())).joined(separator: "/")
            byKey[PathName.deletingExtension(key) + "." + AudioDecoder.fileExtension(rel), default: []].append(rel)
        }
        for (_, rels) in byKey.sorted(by: { $0.key < $1.key }) where rels.count > 1 {
            let sorted = rels.sorted()
            for other in sorted.dropFirst() {
                if let r = try? Verifier.verify(file: sounds + "/" + other, reference: sounds + "/" + sorted[0]), !r.passed {
                    findings.append(.init(file: sounds + "/" + other,
                                          problem: "shadows or is shadowed by \(sounds)/\(sorted[0]) (same prompt, different audio: SNR \(formatted("%.1f", r.snrDB)) dB)",
                                          fix: "keep one version, or install the right one in both folders"))
                }
            }
        }
        return findings
    }

    static func isLanguage(_ s: String) -> Bool {
        let parts = s.split(separator: "_")
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isLowercase && $0.isLetter }) else { return false }
        return parts.count == 1 || (parts.count == 2 && (2...3).contains(parts[1].count))
    }

    /// Share of the energy above 4 kHz, for 16 kHz files.
    static func highBandShare(_ path: String) -> Double? {
        guard let s = try? AudioDecoder.open(path), s.sampleRate == 16000 else { return nil }
        var x: [Float] = []
        // First channel, first minute: enough to tell.
        _ = try? s.forEachBlock { block, n in
            if x.count < 16000 * 60 { for f in 0..<n { x.append(block[f * s.channels]) } }
        }
        let db = Spectrum.averageDB(x, size: 512)
        let power = db.map { pow(10, $0 / 10) }
        let total = power.reduce(0, +), high = power[(power.count / 2)...].reduce(0, +)
        return total > 0 ? high / total : nil
    }
}
