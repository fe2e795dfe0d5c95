//go:build !linux

package main

import "syscall"

// childAttr returns nil: only Linux has a parent-death signal. Children are
// still stopped when the harness exits normally or on Ctrl-C.
func childAttr() *syscall.SysProcAttr { return nil }
