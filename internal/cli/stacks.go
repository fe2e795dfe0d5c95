package cli

import (
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/gatehouse/gatehouse/internal/config"
)

// stackFlags are the template flags of serve and validate:
//
//	-t TEMPLATE [-t ...] [--region R] [--account-id A] [--parameter-overrides K=V ...]
type stackFlags struct {
	templates []string
	region    string
	account   string
	params    map[string]string
}

func (s *stackFlags) register(fs *flag.FlagSet) {
	s.params = map[string]string{}
	add := func(v string) error {
		s.templates = append(s.templates, v)
		return nil
	}
	fs.Func("t", "a CloudFormation, SAM or CDK template to serve (repeatable)", add)
	fs.Func("template", "a CloudFormation, SAM or CDK template to serve (repeatable)", add)
	fs.StringVar(&s.region, "region", "", "AWS::Region of templates and the gateway (overrides the config's region)")
	fs.StringVar(&s.account, "account-id", "", "AWS::AccountId of templates and the gateway (overrides the config's accountId)")
	fs.Func("parameter-overrides", "template parameter values, KEY=VALUE (repeatable; several may be given space-separated)", func(v string) error {
		for _, kv := range strings.Fields(v) {
			k, val, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return fmt.Errorf("%q is not KEY=VALUE", kv)
			}
			s.params[k] = val
		}
		return nil
	})
}

// loadConfig loads the configuration of serve and validate: the config
// file (when -c is given, or when there is no -t), plus the templates of
// -t. With -t alone there is no gatehouse.yaml, and every default
// applies.
func loadConfig(fs *flag.FlagSet, cf *commonFlags, sf *stackFlags) (*config.Config, error) {
	configSet := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "c" || f.Name == "config" {
			configSet = true
		}
	})
	if len(sf.params) > 0 && len(sf.templates) == 0 {
		return nil, fmt.Errorf("--parameter-overrides applies to -t templates; set a stack's parameters under stacks: in %s", cf.config)
	}
	o := config.Overrides{Region: sf.region, AccountID: sf.account}
	for _, t := range sf.templates {
		o.Templates = append(o.Templates, config.StackRef{Template: t, Parameters: sf.params})
	}
	if len(sf.templates) > 0 && !configSet {
		return config.FromTemplates(o)
	}
	return config.LoadWith(cf.config, o)
}

// logStacks prints, once at start, what each template declares that
// gatehouse does not emulate, and its warnings and notices.
func logStacks(log *slog.Logger, cfg *config.Config) {
	for _, st := range cfg.Stacks {
		log.Info("stack loaded", "stack", st.Name, "template", st.Template)
		for _, line := range st.NotEmulated {
			log.Info("not emulated: "+line, "stack", st.Name)
		}
		for _, w := range st.Warnings {
			log.Warn(w, "stack", st.Name)
		}
		for _, n := range st.Notices {
			log.Info(n, "stack", st.Name)
		}
	}
}

// configName names what validate checked: the config file, or the
// templates of -t.
func configName(cfg *config.Config) string {
	if cfg.File != config.CommandLine {
		return cfg.File
	}
	var names []string
	for _, st := range cfg.Stacks {
		names = append(names, st.Template)
	}
	return strings.Join(names, ", ")
}
