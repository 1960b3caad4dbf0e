/// A 64 KiB table encoder (one byte per int16 input), the classic alternative to
/// computing codes. Kept as a baseline for the benchmark and as a second,
/// independent path the tests compare the SIMD kernel with.
public struct G711LookupTableEncoder: Sendable {
    public let law: G711Law
    @usableFromInline let table: [UInt8]

    public init(law: G711Law) {
        self.law = law
        table = (0..<65536).map { law.encode(Int16(truncatingIfNeeded: $0 - 32768)) }
    }

    /// Encodes by table lookup: index = sample + 32768.
    @inlinable
    public func encode(_ input: UnsafeBufferPointer<Int16>, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= input.count)
        table.withUnsafeBufferPointer { t in
            for i in 0..<input.count {
                output[i] = t[Int(UInt16(bitPattern: input[i]) ^ 0x8000)]
            }
        }
    }
}
