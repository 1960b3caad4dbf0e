extension Array where Element == Float {
    /// Appends `count` zeros: room for a kernel to write into. A copy from a block of
    /// zeros, which runs as a memory copy (appending `repeatElement` goes element by element).
    public mutating func appendZeros(_ count: Int) {
        var left = count
        if self.count + count > capacity { reserveCapacity(Swift.max(self.count + count, 2 * capacity)) }
        while left > 0 {
            let n = Swift.min(left, zeroBlock.count)
            zeroBlock.withUnsafeBufferPointer { append(contentsOf: UnsafeBufferPointer(rebasing: $0[0..<n])) }
            left -= n
        }
    }
}

private let zeroBlock = [Float](repeating: 0, count: 4096)
