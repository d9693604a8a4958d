package kv

// The C side of the log handler. The exported Go function lives in log.go; a file with
// //export may only declare things in its preamble, so the small C helper is here.

/*
#include "kv.h"

extern void kvGoLogCallback(void *user_data, kv_log_record *record);

static kv_log_callback kv_go_log_callback(void) { return (kv_log_callback)kvGoLogCallback; }
static void kv_go_set_log_handler(kv_log_level level) { kv_set_log_handler(level, kv_go_log_callback(), 0); }
*/
import "C"

func setNativeLogHandler(level LogLevel) {
	if level == LogLevelOff {
		C.kv_set_log_handler(C.kv_log_level(LogLevelOff), nil, nil)
		return
	}
	C.kv_go_set_log_handler(C.kv_log_level(level))
}
