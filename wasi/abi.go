package wasi

// Constants of the wasi_snapshot_preview1 ABI (witx typenames).

// Rights (witx "rights"): what a descriptor may be used for.
const (
	rightFdDatasync uint64 = 1 << iota
	rightFdRead
	rightFdSeek
	rightFdFdstatSetFlags
	rightFdSync
	rightFdTell
	rightFdWrite
	rightFdAdvise
	rightFdAllocate
	rightPathCreateDirectory
	rightPathCreateFile
	rightPathLinkSource
	rightPathLinkTarget
	rightPathOpen
	rightFdReaddir
	rightPathReadlink
	rightPathRenameSource
	rightPathRenameTarget
	rightPathFilestatGet
	rightPathFilestatSetSize
	rightPathFilestatSetTimes
	rightFdFilestatGet
	rightFdFilestatSetSize
	rightFdFilestatSetTimes
	rightPathSymlink
	rightPathRemoveDirectory
	rightPathUnlinkFile
	rightPollFdReadwrite
	rightSockShutdown
	rightSockAccept

	rightsAll = rightSockAccept<<1 - 1
)

// fileRights are the rights that mean something for a regular file.
const fileRights = rightFdDatasync | rightFdRead | rightFdSeek |
	rightFdFdstatSetFlags | rightFdSync | rightFdTell | rightFdWrite |
	rightFdAdvise | rightFdAllocate | rightFdFilestatGet |
	rightFdFilestatSetSize | rightFdFilestatSetTimes | rightPollFdReadwrite

// dirRights are the rights that mean something for a directory.
const dirRights = rightFdSeek | rightFdTell | rightFdFdstatSetFlags | rightFdSync | rightFdAdvise |
	rightPathCreateDirectory | rightPathCreateFile | rightPathLinkSource |
	rightPathLinkTarget | rightPathOpen | rightFdReaddir | rightPathReadlink |
	rightPathRenameSource | rightPathRenameTarget | rightPathFilestatGet |
	rightPathFilestatSetSize | rightPathFilestatSetTimes | rightFdFilestatGet |
	rightFdFilestatSetTimes | rightPathSymlink | rightPathRemoveDirectory |
	rightPathUnlinkFile

// writeRights are the rights that need a descriptor opened for writing.
const writeRights = rightFdWrite | rightFdDatasync | rightFdAllocate | rightFdFilestatSetSize

// stdio rights. Neither has fd_seek nor fd_tell, which is how wasi-libc's
// isatty tells a terminal from a file.
const (
	stdinRights  = rightFdRead | rightFdFdstatSetFlags | rightFdFilestatGet | rightPollFdReadwrite
	stdoutRights = rightFdWrite | rightFdDatasync | rightFdSync | rightFdFdstatSetFlags |
		rightFdFilestatGet | rightPollFdReadwrite
)

// File types (witx "filetype").
const (
	filetypeUnknown         uint8 = 0
	filetypeBlockDevice     uint8 = 1
	filetypeCharacterDevice uint8 = 2
	filetypeDirectory       uint8 = 3
	filetypeRegularFile     uint8 = 4
	filetypeSocketDgram     uint8 = 5
	filetypeSocketStream    uint8 = 6
	filetypeSymbolicLink    uint8 = 7
)

// Descriptor flags (witx "fdflags").
const (
	fdflagAppend   uint32 = 1
	fdflagDsync    uint32 = 2
	fdflagNonblock uint32 = 4
	fdflagRsync    uint32 = 8
	fdflagSync     uint32 = 16
	fdflagsAll            = fdflagAppend | fdflagDsync | fdflagNonblock | fdflagRsync | fdflagSync
)

// Open flags (witx "oflags").
const (
	oflagCreat     uint32 = 1
	oflagDirectory uint32 = 2
	oflagExcl      uint32 = 4
	oflagTrunc     uint32 = 8
	oflagsAll             = oflagCreat | oflagDirectory | oflagExcl | oflagTrunc
)

// Lookup flags (witx "lookupflags").
const lookupSymlinkFollow uint32 = 1

// Flags of fd_filestat_set_times (witx "fstflags").
const (
	fstflagAtim    uint16 = 1
	fstflagAtimNow uint16 = 2
	fstflagMtim    uint16 = 4
	fstflagMtimNow uint16 = 8
)

// Whence values of fd_seek.
const (
	whenceSet = 0
	whenceCur = 1
	whenceEnd = 2
)

// Clock identifiers.
const (
	clockRealtime         = 0
	clockMonotonic        = 1
	clockProcessCPUTimeID = 2
	clockThreadCPUTimeID  = 3
)

// Event types and subscription flags of poll_oneoff.
const (
	eventtypeClock   = 0
	eventtypeFdRead  = 1
	eventtypeFdWrite = 2

	subclockAbstime = 1
)

// Sizes of the ABI's structures.
const (
	sizeIovec        = 8
	sizeFdstat       = 24
	sizeFilestat     = 64
	sizePrestat      = 8
	sizeDirent       = 24
	sizeSubscription = 48
	sizeEvent        = 32
)
