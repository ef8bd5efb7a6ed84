package wasi

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// Errno is a WASI preview1 error number, the result of most host functions.
type Errno uint16

// The errno values of wasi_snapshot_preview1 (witx "errno").
const (
	errSuccess        Errno = 0
	err2big           Errno = 1
	errAcces          Errno = 2
	errAddrinuse      Errno = 3
	errAddrnotavail   Errno = 4
	errAfnosupport    Errno = 5
	errAgain          Errno = 6
	errAlready        Errno = 7
	errBadf           Errno = 8
	errBadmsg         Errno = 9
	errBusy           Errno = 10
	errCanceled       Errno = 11
	errChild          Errno = 12
	errConnaborted    Errno = 13
	errConnrefused    Errno = 14
	errConnreset      Errno = 15
	errDeadlk         Errno = 16
	errDestaddrreq    Errno = 17
	errDom            Errno = 18
	errDquot          Errno = 19
	errExist          Errno = 20
	errFault          Errno = 21
	errFbig           Errno = 22
	errHostunreach    Errno = 23
	errIdrm           Errno = 24
	errIlseq          Errno = 25
	errInprogress     Errno = 26
	errIntr           Errno = 27
	errInval          Errno = 28
	errIO             Errno = 29
	errIsconn         Errno = 30
	errIsdir          Errno = 31
	errLoop           Errno = 32
	errMfile          Errno = 33
	errMlink          Errno = 34
	errMsgsize        Errno = 35
	errMultihop       Errno = 36
	errNametoolong    Errno = 37
	errNetdown        Errno = 38
	errNetreset       Errno = 39
	errNetunreach     Errno = 40
	errNfile          Errno = 41
	errNobufs         Errno = 42
	errNodev          Errno = 43
	errNoent          Errno = 44
	errNoexec         Errno = 45
	errNolck          Errno = 46
	errNolink         Errno = 47
	errNomem          Errno = 48
	errNomsg          Errno = 49
	errNoprotoopt     Errno = 50
	errNospc          Errno = 51
	errNosys          Errno = 52
	errNotconn        Errno = 53
	errNotdir         Errno = 54
	errNotempty       Errno = 55
	errNotrecoverable Errno = 56
	errNotsock        Errno = 57
	errNotsup         Errno = 58
	errNotty          Errno = 59
	errNxio           Errno = 60
	errOverflow       Errno = 61
	errOwnerdead      Errno = 62
	errPerm           Errno = 63
	errPipe           Errno = 64
	errProto          Errno = 65
	errProtonosupport Errno = 66
	errPrototype      Errno = 67
	errRange          Errno = 68
	errRofs           Errno = 69
	errSpipe          Errno = 70
	errSrch           Errno = 71
	errStale          Errno = 72
	errTimedout       Errno = 73
	errTxtbsy         Errno = 74
	errXdev           Errno = 75
	errNotcapable     Errno = 76
)

var errnoNames = [...]string{
	"ESUCCESS", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL", "EAFNOSUPPORT",
	"EAGAIN", "EALREADY", "EBADF", "EBADMSG", "EBUSY", "ECANCELED", "ECHILD",
	"ECONNABORTED", "ECONNREFUSED", "ECONNRESET", "EDEADLK", "EDESTADDRREQ",
	"EDOM", "EDQUOT", "EEXIST", "EFAULT", "EFBIG", "EHOSTUNREACH", "EIDRM",
	"EILSEQ", "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISCONN", "EISDIR",
	"ELOOP", "EMFILE", "EMLINK", "EMSGSIZE", "EMULTIHOP", "ENAMETOOLONG",
	"ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOBUFS", "ENODEV",
	"ENOENT", "ENOEXEC", "ENOLCK", "ENOLINK", "ENOMEM", "ENOMSG", "ENOPROTOOPT",
	"ENOSPC", "ENOSYS", "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTRECOVERABLE",
	"ENOTSOCK", "ENOTSUP", "ENOTTY", "ENXIO", "EOVERFLOW", "EOWNERDEAD", "EPERM",
	"EPIPE", "EPROTO", "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EROFS",
	"ESPIPE", "ESRCH", "ESTALE", "ETIMEDOUT", "ETXTBSY", "EXDEV", "ENOTCAPABLE",
}

// String returns the errno's POSIX-style name, e.g. "EBADF".
func (e Errno) String() string {
	if int(e) < len(errnoNames) {
		return errnoNames[e]
	}
	return "errno(" + strconv.Itoa(int(e)) + ")"
}

// fromSyscall maps host errno values to WASI ones. Only the values a file
// system operation can plausibly return are listed; anything else is EIO.
var fromSyscall = map[syscall.Errno]Errno{
	syscall.E2BIG:        err2big,
	syscall.EACCES:       errAcces,
	syscall.EAGAIN:       errAgain,
	syscall.EBADF:        errBadf,
	syscall.EBUSY:        errBusy,
	syscall.EEXIST:       errExist,
	syscall.EFAULT:       errFault,
	syscall.EFBIG:        errFbig,
	syscall.EINTR:        errIntr,
	syscall.EINVAL:       errInval,
	syscall.EIO:          errIO,
	syscall.EISDIR:       errIsdir,
	syscall.ELOOP:        errLoop,
	syscall.EMFILE:       errMfile,
	syscall.EMLINK:       errMlink,
	syscall.ENAMETOOLONG: errNametoolong,
	syscall.ENFILE:       errNfile,
	syscall.ENODEV:       errNodev,
	syscall.ENOENT:       errNoent,
	syscall.ENOMEM:       errNomem,
	syscall.ENOSPC:       errNospc,
	syscall.ENOSYS:       errNosys,
	syscall.ENOTDIR:      errNotdir,
	syscall.ENOTEMPTY:    errNotempty,
	syscall.ENOTSUP:      errNotsup,
	syscall.ENOTTY:       errNotty,
	syscall.ENXIO:        errNxio,
	syscall.EPERM:        errPerm,
	syscall.EPIPE:        errPipe,
	syscall.ERANGE:       errRange,
	syscall.EROFS:        errRofs,
	syscall.ESPIPE:       errSpipe,
	syscall.ETXTBSY:      errTxtbsy,
	syscall.EXDEV:        errXdev,
}

// errnoOf converts an error of the host file system into the WASI errno
// the guest sees. A path escaping its preopened directory is ENOTCAPABLE.
func errnoOf(err error) Errno {
	if err == nil {
		return errSuccess
	}
	if isEscape(err) {
		return errNotcapable
	}
	var sys syscall.Errno
	if errors.As(err, &sys) {
		if e, ok := fromSyscall[sys]; ok {
			return e
		}
		return errIO
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errNoent
	case errors.Is(err, fs.ErrExist):
		return errExist
	case errors.Is(err, fs.ErrPermission):
		return errPerm
	case errors.Is(err, fs.ErrInvalid):
		return errInval
	case errors.Is(err, fs.ErrClosed):
		return errBadf
	case errors.Is(err, io.ErrShortWrite):
		return errIO
	}
	return errIO
}

// isEscape reports whether err is os.Root refusing a path that leaves the
// root (through "..", an absolute path or a symbolic link). The standard
// library does not export that error, only its message.
func isEscape(err error) bool {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		err = le.Err
	}
	return err != nil && err.Error() == "path escapes from parent"
}
