#if canImport(Glibc)
import Glibc
#endif

/// The ISO base media file format (MP4, M4A, 3GP, MOV): boxes of a 32-bit size and a
/// four-character type, nested. This reads what an audio track needs, streaming: the small
/// boxes (sample description, edit list, metadata) into memory, the sample tables
/// (which grow with the recording) through cursors of their own, so a 10-hour file takes
/// the memory of a 10-second one. Every size and count is checked against the box that
/// holds it and the file: a hostile file is an error or a truncation, never a crash.
struct BoxHeader {
    /// "moov", "trak"... (the four bytes as Latin-1).
    let type: String
    let start: Int64
    /// Where the payload begins (after the 8- or 16-byte header).
    let payload: Int64
    let end: Int64
    var payloadSize: Int64 { end - payload }
}

/// Reads boxes of one file.
final class BoxReader {
    let bytes: ByteSource
    let fileSize: Int64
    /// Boxes read so far; a file with absurdly many is refused instead of walked for ever.
    private var boxesRead = 0
    static let maximumBoxes = 1_000_000
    /// The largest box promptc reads into memory (sample descriptions, edit lists, tags).
    static let maximumSmallBox: Int64 = 1 << 20

    init(bytes: ByteSource) throws {
        guard let size = bytes.size else { throw AudioIOError(.unreadable, bytes.path, "an MP4 must be read from a file") }
        self.bytes = bytes
        fileSize = size
    }

    func corrupt(_ why: String) -> AudioIOError { AudioIOError(.corrupt, bytes.path, why) }

    /// Reads exactly `count` bytes at `offset`; nil when the file ends first.
    func read(at offset: Int64, count: Int) throws -> [UInt8]? {
        guard count >= 0, offset >= 0, offset + Int64(count) <= fileSize, bytes.seek(offset, whence: SEEK_SET) == offset else { return nil }
        var out = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = out.withUnsafeMutableBytes { bytes.read($0.baseAddress! + got, count - got) }
            if n <= 0 { break }
            got += n
        }
        try bytes.throwIfReadFailed()
        return got == count ? out : nil
    }

    /// The boxes directly inside `start..<end`. A box whose size runs past its parent is
    /// cut at the parent's end and marked, so a file cut off inside its data still yields
    /// its index; a size below the header is an error.
    func children(_ start: Int64, _ end: Int64) throws -> [BoxHeader] {
        var out: [BoxHeader] = []
        var at = start
        let limit = min(end, fileSize)
        while at + 8 <= limit {
            boxesRead += 1
            guard boxesRead <= BoxReader.maximumBoxes else { throw corrupt("has more than \(BoxReader.maximumBoxes) boxes") }
            guard let h = try read(at: at, count: 16 <= limit - at ? 16 : 8) else { break }
            var size = Int64(be32(h, 0))
            let type = String(h[4..<8].map { Character(Unicode.Scalar($0)) })
            var header: Int64 = 8
            if size == 1 {
                guard h.count == 16 else { break }
                size = Int64(bitPattern: be64(h, 8))
                header = 16
            } else if size == 0 {
                size = limit - at                 // "to the end of the file"
            }
            guard size >= header else { throw corrupt("box '\(printable(type))' at byte \(at) has size \(size), less than its header") }
            let boxEnd = size > limit - at ? limit : at + size
            out.append(BoxHeader(type: type, start: at, payload: at + header, end: boxEnd))
            at = boxEnd
        }
        return out
    }

    /// The payload of a small box, or an error naming it when it is absurdly large.
    func payload(_ box: BoxHeader) throws -> [UInt8] {
        guard box.payloadSize <= BoxReader.maximumSmallBox else {
            throw corrupt("box '\(printable(box.type))' claims \(box.payloadSize) bytes, more than such a box holds")
        }
        guard let p = try read(at: box.payload, count: Int(box.payloadSize)) else { throw corrupt("box '\(printable(box.type))' is cut off") }
        return p
    }

    /// The first child of `box` of each type along `path` ("mdia", "minf", "stbl").
    func find(_ path: [String], in box: BoxHeader) throws -> BoxHeader? {
        var current = box
        for type in path {
            guard let next = try children(current.payload, current.end).first(where: { $0.type == type }) else { return nil }
            current = next
        }
        return current
    }
}

func be16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
func be32(_ b: [UInt8], _ i: Int) -> UInt32 { UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3]) }
func be64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(be32(b, i)) << 32 | UInt64(be32(b, i + 4)) }
/// A four-character code as people can read it in a message.
func printable(_ type: String) -> String {
    String(type.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" })
}

/// A big-endian table of fixed-size entries inside a box, read in order through its own
/// view of the file (the sample data is read through another), a block at a time.
final class TableCursor {
    private let reader: BoxReader
    private var offset: Int64
    private let end: Int64
    private let entryBytes: Int
    private var block: [UInt8] = []
    private var used = 0
    let count: Int

    /// `count` entries of `entryBytes` from `offset`; an error when they do not fit in `end`.
    init(reader: BoxReader, offset: Int64, end: Int64, count: UInt32, entryBytes: Int, name: String) throws {
        guard Int64(count) * Int64(entryBytes) <= end - offset else {
            throw reader.corrupt("its '\(name)' table claims \(count) entries, more than the box holds")
        }
        self.reader = reader
        self.offset = offset
        self.end = offset + Int64(count) * Int64(entryBytes)
        self.entryBytes = entryBytes
        self.count = Int(count)
    }

    /// The next entry's bytes as big-endian fields; nil past the last entry.
    func next() throws -> ArraySlice<UInt8>? {
        if used + entryBytes > block.count {
            let want = Int(min(Int64(max(entryBytes, 1) * 4096), end - offset))
            guard want >= entryBytes, let b = try reader.read(at: offset, count: want) else { return nil }
            block = b
            used = 0
            offset += Int64(want)
        }
        defer { used += entryBytes }
        return block[used..<(used + entryBytes)]
    }

}

/// What the sample description says the track holds.
enum MP4SampleEntry: Equatable {
    /// MPEG-4 audio (AAC) with its AudioSpecificConfig from the `esds` box.
    case aac(config: [UInt8])
    /// MP3 or MP2 carried in MP4 (object types 0x69, 0x6B).
    case mpegAudio
    case amrNB, amrWB
    /// Opus with its `dOps` box.
    case opus
    case alac
    case other(String)

    /// For messages: "AAC", "Apple Lossless (ALAC)".
    var codecName: String {
        switch self {
        case .aac: "AAC"
        case .mpegAudio: "MP3"
        case .amrNB: "AMR-NB"
        case .amrWB: "AMR-WB"
        case .opus: "Opus"
        case .alac: "Apple Lossless (ALAC)"
        case let .other(type): ["ac-3": "AC-3", "ec-3": "E-AC-3", "fLaC": "FLAC", "sowt": "PCM", "twos": "PCM", "lpcm": "PCM",
                                "ulaw": "mu-law", "alaw": "A-law", "ima4": "IMA ADPCM"][type] ?? "'\(printable(type))' audio"
        }
    }
}

/// The first audio track of an MP4/M4A/3GP/MOV file, its timing and its packets.
final class MP4Demuxer: PacketReader {
    /// "M4A", "3GP"... from the brand.
    let container: StreamDescription.Container
    let entry: MP4SampleEntry
    let channels: Int
    let sampleRate: Int
    let timing: StreamTiming
    private(set) var truncation: String?
    private let reader: BoxReader
    private let data: BoxReader           // sample data, read through its own file view
    private let chunkOffsets: TableCursor
    private let chunkRuns: TableCursor    // stsc
    private let sizes: SampleSizes
    private var chunk = 0                 // chunks started
    private var nextRun: (firstChunk: UInt32, samples: UInt32)?
    private var samplesPerChunk: UInt32 = 0
    private var leftInChunk: UInt32 = 0
    private var position: Int64 = 0
    private var samplesRead = 0

    /// The largest packet promptc accepts (an AAC frame is at most 6144 bits per channel).
    static let maximumPacket = 1 << 20

    init(bytes: ByteSource) throws {
        let reader = try BoxReader(bytes: bytes)
        self.reader = reader
        let path = bytes.path
        let top = try reader.children(0, reader.fileSize)
        var brand = ""
        if let ftyp = top.first(where: { $0.type == "ftyp" }), let b = try reader.read(at: ftyp.payload, count: 4) {
            brand = String(b.map { Character(Unicode.Scalar($0)) })
        }
        container = MP4Demuxer.container(brand: brand)
        let kind = MP4Demuxer.kindName(container)
        guard let moov = top.first(where: { $0.type == "moov" }) else {
            let cut = top.last.map { $0.end >= reader.fileSize } ?? true
            throw AudioIOError(.corrupt, path, "is \(kind) without its index (no 'moov' box)\(cut && top.contains { $0.type == "mdat" } ? "; the recording was probably not finished" : "")")
        }
        let moovChildren = try reader.children(moov.payload, moov.end)
        var movieTimescale = 0
        if let mvhd = moovChildren.first(where: { $0.type == "mvhd" }) {
            let p = try reader.payload(mvhd)
            if p.count >= 24 { movieTimescale = Int(be32(p, p[0] == 1 ? 20 : 12)) }
        }
        var handlers: [String] = []
        var found: (trak: BoxHeader, mdia: BoxHeader)?
        for trak in moovChildren where trak.type == "trak" {
            guard let mdia = try reader.find(["mdia"], in: trak), let hdlr = try reader.find(["hdlr"], in: mdia) else { continue }
            let p = try reader.payload(hdlr)
            guard p.count >= 12 else { continue }
            let handler = String(p[8..<12].map { Character(Unicode.Scalar($0)) })
            handlers.append(handler)
            if handler == "soun" { found = (trak, mdia); break }
        }
        guard let (trak, mdia) = found else {
            throw AudioIOError(.notAudio, path, handlers.contains("vide") ? "is \(kind) video without an audio track" : "is \(kind) without an audio track")
        }
        guard let mdhd = try reader.find(["mdhd"], in: mdia) else { throw reader.corrupt("its audio track has no 'mdhd' box") }
        let m = try reader.payload(mdhd)
        guard m.count >= 20 else { throw reader.corrupt("its 'mdhd' box is too short") }
        let timescale = Int(be32(m, m[0] == 1 ? 20 : 12))
        guard timescale > 0 else { throw reader.corrupt("its audio track has a time scale of 0") }
        guard let stbl = try reader.find(["minf", "stbl"], in: mdia) else { throw reader.corrupt("its audio track has no sample table ('stbl')") }
        let tables = try reader.children(stbl.payload, stbl.end)
        func table(_ type: String) -> BoxHeader? { tables.first { $0.type == type } }

        guard let stsd = table("stsd") else { throw reader.corrupt("its audio track has no sample description ('stsd')") }
        (entry, channels, sampleRate) = try MP4Demuxer.sampleEntry(reader, stsd)

        // Length in media units: the sum of the time-to-sample table.
        guard let stts = table("stts") else { throw reader.corrupt("its audio track has no 'stts' table") }
        var total: Int64 = 0
        do {
            let n = try reader.read(at: stts.payload + 4, count: 4).map { be32($0, 0) } ?? 0
            let c = try TableCursor(reader: reader, offset: stts.payload + 8, end: stts.end, count: n, entryBytes: 8, name: "stts")
            while let e = try c.next() {
                let a = Array(e)
                // Saturates: hostile tables may claim more than 2^63 units in all.
                let (units, big) = Int64(be32(a, 0)).multipliedReportingOverflow(by: Int64(be32(a, 4)))
                let (sum, overflow) = total.addingReportingOverflow(units)
                total = big || overflow ? .max : sum
            }
        }
        var timing = StreamTiming(timescale: timescale, skip: 0, length: total)
        if let elst = try reader.find(["edts", "elst"], in: trak), movieTimescale > 0 {
            let e = try reader.payload(elst)
            if let edit = MP4Demuxer.firstEdit(e) {
                timing.skip = max(0, edit.mediaTime)
                let length = (Double(edit.duration) * Double(timescale) / Double(movieTimescale)).rounded()
                timing.length = min(length < 9e18 ? Int64(length) : .max, max(0, total - timing.skip))
            }
        } else if let smpb = try MP4Demuxer.iTunSMPB(reader, moovChildren) {
            timing.skip = smpb.priming
            timing.length = min(smpb.length, max(0, total - smpb.priming))
        }
        self.timing = timing

        // The sample-to-chunk table, chunk offsets and sizes, read as the samples go.
        guard let stsc = table("stsc"), let stco = table("stco") ?? table("co64") else {
            throw reader.corrupt("its audio track has no chunk tables ('stsc', 'stco')")
        }
        let runs = try reader.read(at: stsc.payload + 4, count: 4).map { be32($0, 0) } ?? 0
        data = try BoxReader(bytes: bytes.reopened())
        chunkRuns = try TableCursor(reader: try BoxReader(bytes: bytes.reopened()), offset: stsc.payload + 8, end: stsc.end,
                                    count: runs, entryBytes: 12, name: "stsc")
        let chunks = try reader.read(at: stco.payload + 4, count: 4).map { be32($0, 0) } ?? 0
        chunkOffsets = try TableCursor(reader: try BoxReader(bytes: bytes.reopened()), offset: stco.payload + 8, end: stco.end, count: chunks,
                                       entryBytes: stco.type == "co64" ? 8 : 4, name: stco.type)
        guard let sizeBox = table("stsz") ?? table("stz2") else { throw reader.corrupt("its audio track has no sample sizes ('stsz')") }
        sizes = try SampleSizes(reader: try BoxReader(bytes: bytes.reopened()), box: sizeBox)
        nextRun = try readRun()
    }

    /// "M4A" for people, from the container.
    static func kindName(_ c: StreamDescription.Container) -> String {
        switch c {
        case .m4a: "M4A"
        case .threeGP: "3GP"
        case .quickTime: "QuickTime (MOV)"
        default: "MP4"
        }
    }

    static func container(brand: String) -> StreamDescription.Container {
        switch brand {
        case "M4A ", "M4B ", "M4P ": .m4a
        case "qt  ": .quickTime
        default: brand.hasPrefix("3g") ? .threeGP : .mp4
        }
    }

    /// The codec, channels and rate of the first sample entry.
    static func sampleEntry(_ reader: BoxReader, _ stsd: BoxHeader) throws -> (MP4SampleEntry, Int, Int) {
        let entries = try reader.children(stsd.payload + 8, stsd.end)
        guard let e = entries.first else { throw reader.corrupt("its sample description is empty") }
        let p = try reader.payload(e)
        // SampleEntry (8 bytes) + AudioSampleEntry: version, revision, vendor, channels,
        // sample size, compression id, packet size, rate 16.16 (28 bytes in all).
        guard p.count >= 28 else { throw reader.corrupt("its '\(printable(e.type))' sample entry is too short") }
        let version = be16(p, 8)
        var channels = Int(be16(p, 16))
        var rate = Int(be32(p, 24) >> 16)
        var childStart = 28
        if version == 1 { childStart += 16 }
        if version == 2 {
            childStart += 36
            if p.count >= 48 {
                let bits = be64(p, 32)
                let r = Double(bitPattern: bits)
                if r.isFinite && r >= 1 && r <= 1e6 { rate = Int(r) }
                channels = Int(be32(p, 40))
            }
        }
        let sub = Int64(childStart) <= e.payloadSize ? try reader.children(e.payload + Int64(childStart), e.end) : []
        switch e.type {
        case "mp4a":
            var esds = sub.first { $0.type == "esds" }
            if esds == nil, let wave = sub.first(where: { $0.type == "wave" }) {
                esds = try reader.children(wave.payload, wave.end).first { $0.type == "esds" }
            }
            guard let esds else { throw reader.corrupt("its AAC track has no decoder configuration ('esds')") }
            switch ESDescriptor(try reader.payload(esds)) {
            case let .aac(config)?: return (.aac(config: config), channels, rate)
            case .mpegAudio?: return (.mpegAudio, channels, rate)
            case let .other(type)?: return (.other(String(format2: type)), channels, rate)
            case nil: throw reader.corrupt("its AAC decoder configuration ('esds') is damaged")
            }
        case "samr": return (.amrNB, 1, 8000)
        case "sawb": return (.amrWB, 1, 16000)
        case "Opus": return (.opus, channels, 48000)
        case "alac": return (.alac, channels, rate)
        case ".mp3": return (.mpegAudio, channels, rate)
        default: return (.other(e.type), channels, rate)
        }
    }

    /// The first edit that plays media: its start in media units and its length in
    /// movie units. Empty edits (a delay before the track) are skipped.
    static func firstEdit(_ p: [UInt8]) -> (mediaTime: Int64, duration: Int64)? {
        guard p.count >= 8 else { return nil }
        let v1 = p[0] == 1, size = v1 ? 20 : 12
        let n = Int(be32(p, 4))
        var at = 8
        for _ in 0..<n {
            guard at + size <= p.count else { return nil }
            let duration = v1 ? Int64(bitPattern: be64(p, at)) : Int64(be32(p, at))
            let media = v1 ? Int64(bitPattern: be64(p, at + 8)) : Int64(Int32(bitPattern: be32(p, at + 4)))
            if media >= 0 { return duration >= 0 ? (media, duration) : nil }
            at += size
        }
        return nil
    }

    /// iTunes' gapless tag (`moov/udta/meta/ilst/----` named iTunSMPB): priming, padding
    /// and the original length, in hexadecimal.
    static func iTunSMPB(_ reader: BoxReader, _ moov: [BoxHeader]) throws -> (priming: Int64, length: Int64)? {
        for udta in moov where udta.type == "udta" {
            guard let meta = try reader.children(udta.payload, udta.end).first(where: { $0.type == "meta" }) else { continue }
            // MP4's meta is a full box (4 bytes of version and flags), QuickTime's is not.
            let head = try reader.read(at: meta.payload, count: 4) ?? []
            let start = head == [0, 0, 0, 0] ? meta.payload + 4 : meta.payload
            guard let ilst = try reader.children(start, meta.end).first(where: { $0.type == "ilst" }) else { continue }
            if let found = try smpbItem(reader, ilst) { return found }
        }
        return nil
    }

    private static func smpbItem(_ reader: BoxReader, _ ilst: BoxHeader) throws -> (priming: Int64, length: Int64)? {
        for item in try reader.children(ilst.payload, ilst.end) where item.type == "----" {
            let parts = try reader.children(item.payload, item.end)
            guard let name = parts.first(where: { $0.type == "name" }),
                  String(decoding: try reader.payload(name).dropFirst(4), as: UTF8.self) == "iTunSMPB",
                  let value = parts.first(where: { $0.type == "data" }) else { continue }
            let text = String(decoding: try reader.payload(value).dropFirst(8), as: UTF8.self)
            let fields = text.split(separator: " ").compactMap { Int64($0, radix: 16) }
            guard fields.count >= 4, fields[1] >= 0, fields[3] > 0 else { return nil }
            return (fields[1], fields[3])
        }
        return nil
    }

    private func readRun() throws -> (UInt32, UInt32)? {
        guard let e = try chunkRuns.next() else { return nil }
        let a = Array(e)
        return (be32(a, 0), be32(a, 4))
    }

    func next(into packet: inout [UInt8]) throws -> Bool {
        guard truncation == nil, samplesRead < sizes.count else { return false }
        while leftInChunk == 0 {
            guard let offset = try chunkOffsets.next() else {
                truncation = "the chunk table ends after \(samplesRead) of \(sizes.count) samples"
                return false
            }
            let a = Array(offset)
            position = a.count == 8 ? Int64(bitPattern: be64(a, 0)) : Int64(be32(a, 0))
            chunk += 1
            while let run = nextRun, Int(run.firstChunk) <= chunk {
                samplesPerChunk = run.samples
                nextRun = try readRun()
            }
            leftInChunk = samplesPerChunk
            if samplesPerChunk == 0 && chunk >= chunkOffsets.count {
                truncation = "the sample-to-chunk table ends after \(samplesRead) of \(sizes.count) samples"
                return false
            }
        }
        guard let size = try sizes.next() else {
            truncation = "the sample size table ends early"
            return false
        }
        guard size <= MP4Demuxer.maximumPacket else { throw reader.corrupt("sample \(samplesRead + 1) claims \(size) bytes") }
        guard let bytes = try data.read(at: position, count: size) else {
            truncation = "the file ends inside sample \(samplesRead + 1) of \(sizes.count)"
            return false
        }
        packet = bytes
        position += Int64(size)
        leftInChunk -= 1
        samplesRead += 1
        return true
    }
}

/// The sizes of the samples: one size for all, or a table of 32-bit (`stsz`) or 4-, 8-
/// or 16-bit (`stz2`) entries.
final class SampleSizes {
    let count: Int
    private let constant: Int
    private let cursor: TableCursor?
    private let fieldBits: Int
    private var half: UInt8?             // the second 4-bit entry of the last byte read

    init(reader: BoxReader, box: BoxHeader) throws {
        guard let h = try reader.read(at: box.payload, count: 12) else { throw reader.corrupt("its '\(box.type)' box is cut off") }
        if box.type == "stsz" {
            constant = Int(be32(h, 4))
            count = Int(be32(h, 8))
            fieldBits = 32
            if constant == 0 {
                cursor = try TableCursor(reader: reader, offset: box.payload + 12, end: box.end, count: UInt32(count), entryBytes: 4, name: "stsz")
            } else {
                // Every sample takes at least one byte of the file.
                guard Int64(count) <= reader.fileSize else { throw reader.corrupt("it claims \(count) samples, more than the file holds") }
                cursor = nil
            }
        } else {
            constant = 0
            fieldBits = Int(h[7])
            count = Int(be32(h, 8))
            guard [4, 8, 16].contains(fieldBits) else { throw reader.corrupt("its 'stz2' box has \(fieldBits)-bit entries") }
            let entries = fieldBits == 4 ? (count + 1) / 2 : count
            cursor = try TableCursor(reader: reader, offset: box.payload + 12, end: box.end, count: UInt32(entries),
                                     entryBytes: fieldBits == 16 ? 2 : 1, name: "stz2")
        }
    }

    func next() throws -> Int? {
        guard let cursor else { return constant }
        if fieldBits == 4 {
            if let h = half { half = nil; return Int(h) }
            guard let b = try cursor.next()?.first else { return nil }
            half = b & 0x0F
            return Int(b >> 4)
        }
        guard let e = try cursor.next() else { return nil }
        return e.reduce(0) { $0 << 8 | Int($1) }
    }
}

/// The MPEG-4 elementary stream descriptor (ISO/IEC 14496-1): what the `esds` box says
/// the stream is, and AAC's AudioSpecificConfig.
enum ESDescriptor: Equatable {
    case aac([UInt8])
    case mpegAudio
    case other(UInt8)

    init?(_ p: [UInt8]) {
        var i = 4                         // full box header
        func tagged(_ tag: UInt8) -> Int? {
            guard i < p.count, p[i] == tag else { return nil }
            i += 1
            var length = 0
            for _ in 0..<4 {
                guard i < p.count else { return nil }
                let b = p[i]
                i += 1
                length = length << 7 | Int(b & 0x7F)
                if b & 0x80 == 0 { break }
            }
            return length
        }
        guard tagged(0x03) != nil, i + 3 <= p.count else { return nil }
        let flags = p[i + 2]
        i += 3
        if flags & 0x80 != 0 { i += 2 }
        if flags & 0x40 != 0 { guard i < p.count else { return nil }; i += 1 + Int(p[i]) }
        if flags & 0x20 != 0 { i += 2 }
        guard tagged(0x04) != nil, i + 13 <= p.count else { return nil }
        let objectType = p[i]
        i += 13
        switch objectType {
        case 0x40, 0x66, 0x67, 0x68:
            guard let length = tagged(0x05), length >= 2, i + length <= p.count else { return nil }
            self = .aac(Array(p[i..<(i + length)]))
        case 0x69, 0x6B: self = .mpegAudio
        default: self = .other(objectType)
        }
    }
}

extension String {
    /// "0xA5" for an object type in messages.
    init(format2 value: UInt8) {
        let digits = Array("0123456789ABCDEF")
        self = "0x" + String([digits[Int(value >> 4)], digits[Int(value & 15)]])
    }
}
