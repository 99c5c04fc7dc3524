package function

import (
	"fmt"
	"slices"
)

// LoggingConfig is Lambda's LoggingConfig: the format of a function's log
// and, in JSON, the levels that filter it. The zero value is Lambda's
// default (Text, the log group /aws/lambda/<name>).
type LoggingConfig struct {
	// LogFormat is LogFormatText ("" too) or LogFormatJSON: START, END and
	// REPORT become Lambda's JSON platform records, and the runtime is told
	// (AWS_LAMBDA_LOG_FORMAT), so that lambdad's and AWS's runtime clients
	// write JSON records.
	LogFormat string `json:",omitempty"`
	// ApplicationLogLevel (AWS_LAMBDA_LOG_LEVEL: the runtime client drops
	// records below it) and SystemLogLevel (lambdad's own records: WARN
	// drops START, END and REPORT, which are INFO), only with JSON; "":
	// INFO.
	ApplicationLogLevel string `json:",omitempty"`
	SystemLogLevel      string `json:",omitempty"`
	// LogGroup is AWS_LAMBDA_LOG_GROUP_NAME; "": /aws/lambda/<name>.
	LogGroup string `json:",omitempty"`
}

// The values of LoggingConfig's fields.
const (
	LogFormatText = "Text"
	LogFormatJSON = "JSON"
)

var (
	applicationLogLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}
	systemLogLevels      = []string{"DEBUG", "INFO", "WARN"}
)

// JSON tells whether the function's log is in JSON.
func (l LoggingConfig) JSON() bool { return l.LogFormat == LogFormatJSON }

// Resolved is l as Lambda reports it for the function name: every field
// set, the levels only in JSON.
func (l LoggingConfig) Resolved(name string) LoggingConfig {
	if l.LogFormat == "" {
		l.LogFormat = LogFormatText
	}
	if l.LogGroup == "" {
		l.LogGroup = "/aws/lambda/" + name
	}
	if l.JSON() {
		if l.ApplicationLogLevel == "" {
			l.ApplicationLogLevel = "INFO"
		}
		if l.SystemLogLevel == "" {
			l.SystemLogLevel = "INFO"
		}
	}
	return l
}

// problems checks l as Lambda's CreateFunction does.
func (l LoggingConfig) problems() []*FieldError {
	var ps []*FieldError
	bad := func(field, format string, args ...any) {
		ps = append(ps, &FieldError{Field: "LoggingConfig." + field, Msg: fmt.Sprintf(format, args...)})
	}
	switch l.LogFormat {
	case "", LogFormatText, LogFormatJSON:
	default:
		bad("LogFormat", "%q: want %q or %q", l.LogFormat, LogFormatJSON, LogFormatText)
	}
	if !l.JSON() && (l.ApplicationLogLevel != "" || l.SystemLogLevel != "") {
		bad("LogFormat", "LogLevel is not supported when LogFormat is set to \"Text\". Remove LogLevel from your request or change the LogFormat to \"JSON\" and try again.")
	}
	if v := l.ApplicationLogLevel; v != "" && !slices.Contains(applicationLogLevels, v) {
		bad("ApplicationLogLevel", "%q: want one of %v", v, applicationLogLevels)
	}
	if v := l.SystemLogLevel; v != "" && !slices.Contains(systemLogLevels, v) {
		bad("SystemLogLevel", "%q: want one of %v", v, systemLogLevels)
	}
	if g := l.LogGroup; g != "" && !validLogGroup(g) {
		bad("LogGroup", "%q: want 1–512 letters, digits, or . - _ / #", g)
	}
	return ps
}

// validLogGroup is CloudWatch's log group name: [\.\-_/#A-Za-z0-9]{1,512}.
func validLogGroup(s string) bool {
	if len(s) > 512 {
		return false
	}
	for _, c := range []byte(s) {
		if !isAlnum(c) && c != '.' && c != '-' && c != '_' && c != '/' && c != '#' {
			return false
		}
	}
	return true
}

// SystemInfo tells whether lambdad's own INFO records (START, END, REPORT)
// are logged: not with SystemLogLevel WARN.
func (l LoggingConfig) SystemInfo() bool { return !l.JSON() || l.SystemLogLevel != "WARN" }
