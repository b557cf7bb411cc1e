// The top-ports frequency lists portwarden ships (--top-ports, the default port set).
// Ranked by us, most commonly exposed first: web and remote access, mail, Windows and
// directory services, databases and caches, infrastructure and dev servers, IoT/ICS, VoIP,
// games, then the long tail of legacy and dynamic-range services. Port numbers are the
// services' registered or conventional ports; the ranking is our own judgement (it is not
// derived from nmap-services). Each port appears once per list (checked by ports_test.cpp).
#include <array>
#include <cstdint>
#include <span>

#include "portwarden/ports.hpp"

namespace portwarden {
namespace {

// clang-format off
constexpr std::array<std::uint16_t, 1000> tcp_ranked{
    80,     // http
    443,    // https
    22,     // ssh
    21,     // ftp
    25,     // smtp
    8080,   // http-proxy / http-alt
    3389,   // rdp (ms-wbt-server)
    23,     // telnet
    53,     // domain (dns over tcp)
    445,    // microsoft-ds (smb)
    139,    // netbios-ssn
    135,    // msrpc (endpoint mapper)
    110,    // pop3
    143,    // imap
    993,    // imaps
    995,    // pop3s
    587,    // submission
    465,    // smtps
    8443,   // https-alt
    3306,   // mysql
    7547,   // cwmp (tr-069)
    8888,   // http-alt
    2222,   // ssh-alt
    5900,   // vnc
    1723,   // pptp
    111,    // rpcbind
    5432,   // postgresql
    8000,   // http-alt
    8081,   // http-alt
    5060,   // sip
    179,    // bgp
    2000,   // cisco-sccp
    1433,   // ms-sql-s
    6379,   // redis
    27017,  // mongodb
    554,    // rtsp
    8008,   // http-alt
    10000,  // webmin
    5000,   // upnp / http dev server
    81,     // http-alt
    631,    // ipp (cups)
    9100,   // jetdirect
    515,    // printer (lpd)
    548,    // afp
    2049,   // nfs
    88,     // kerberos
    389,    // ldap
    636,    // ldaps
    853,    // domain-s (dns over tls)
    9200,   // elasticsearch
    5985,   // wsman (winrm http)
    5986,   // wsmans (winrm https)
    49152,  // msrpc (windows dynamic)
    49153,  // msrpc (windows dynamic)
    49154,  // msrpc (windows dynamic)
    49155,  // msrpc (windows dynamic)
    49156,  // msrpc (windows dynamic)
    49157,  // msrpc (windows dynamic)
    1025,   // msrpc (legacy dynamic)
    1026,   // msrpc (legacy dynamic)
    1027,   // msrpc (legacy dynamic)
    464,    // kpasswd
    593,    // http-rpc-epmap
    3268,   // globalcatldap
    3269,   // globalcatldapssl
    9090,   // http-alt / prometheus / cockpit
    9443,   // https-alt
    3000,   // http dev server / grafana
    5001,   // http-alt / synology
    8009,   // ajp13
    5357,   // wsdapi
    113,    // ident
    199,    // smux
    1720,   // h323q931
    6001,   // x11 display :1
    6000,   // x11
    5800,   // vnc-http
    8082,   // http-alt
    8083,   // http-alt
    8088,   // http-alt / hadoop yarn
    8089,   // splunkd
    1883,   // mqtt
    8883,   // secure-mqtt
    5672,   // amqp
    11211,  // memcache
    2375,   // docker
    2376,   // docker-tls
    6443,   // kubernetes-api
    10250,  // kubelet
    1521,   // oracle tns
    9000,   // http-alt / php-fpm / sonarqube
    9001,   // http-alt / tor-orport
    3128,   // squid-http
    1080,   // socks
    873,    // rsync
    990,    // ftps
    20,     // ftp-data
    2121,   // ftp-alt
    8291,   // mikrotik winbox
    8728,   // mikrotik api
    8729,   // mikrotik api-ssl
    4443,   // https-alt
    10443,  // https-alt
    8181,   // http-alt
    8880,   // http-alt / plesk
    2082,   // cpanel
    2083,   // cpanel-ssl
    2086,   // whm
    2087,   // whm-ssl
    2095,   // cpanel webmail
    2096,   // cpanel webmail-ssl
    8834,   // nessus
    9418,   // git
    6667,   // irc
    5222,   // xmpp-client
    5269,   // xmpp-server
    5061,   // sip-tls
    5901,   // vnc display :1
    5902,   // vnc display :2
    5903,   // vnc display :3
    5631,   // pcanywheredata
    4899,   // radmin
    5938,   // teamviewer
    1494,   // citrix-ica
    2598,   // citrix-cgp
    3283,   // apple remote desktop
    3390,   // rdp-alt
    902,    // vmware-auth
    912,    // vmware-auth-alt
    427,    // svrloc
    161,    // snmp (tcp)
    79,     // finger
    7,      // echo
    9,      // discard
    13,     // daytime
    19,     // chargen
    37,     // time
    43,     // whois
    119,    // nntp
    563,    // nntps
    514,    // shell (rsh)
    513,    // login (rlogin)
    512,    // exec (rexec)
    543,    // klogin
    544,    // kshell
    106,    // pop3pw
    992,    // telnets
    444,    // snpp / https-alt
    1900,   // upnp
    5353,   // mdns (tcp)
    49158,  // msrpc (windows dynamic)
    49159,  // msrpc (windows dynamic)
    49160,  // msrpc (windows dynamic)
    1028,   // msrpc (legacy dynamic)
    1029,   // msrpc (legacy dynamic)
    1030,   // msrpc (legacy dynamic)
    32768,  // rpc (linux dynamic)
    2001,   // http-alt / cisco
    5002,   // http-alt
    8001,   // http-alt
    8002,   // http-alt
    8010,   // http-alt
    8090,   // http-alt / confluence
    8100,   // http-alt
    8180,   // http-alt / tomcat
    8222,   // http-alt
    8800,   // http-alt
    9080,   // http-alt / websphere
    9091,   // http-alt / transmission
    9999,   // http-alt / admin console
    10001,  // ubiquiti / scp-config
    7001,   // weblogic
    7002,   // weblogic-ssl
    4848,   // glassfish-admin
    8161,   // activemq admin
    61616,  // activemq openwire
    5601,   // kibana
    9300,   // elasticsearch transport
    9092,   // kafka
    2181,   // zookeeper
    50000,  // ibm-db2 / jenkins agent / sap
    5433,   // postgresql-alt
    33060,  // mysqlx
    1434,   // ms-sql-m
    3050,   // firebird / interbase
    7474,   // neo4j http
    7687,   // neo4j bolt
    9042,   // cassandra cql
    8086,   // influxdb
    5984,   // couchdb
    8529,   // arangodb
    26257,  // cockroachdb
    28017,  // mongodb http
    27018,  // mongodb shard
    27019,  // mongodb config
    2379,   // etcd-client
    2380,   // etcd-server
    8500,   // consul http
    8200,   // vault
    15672,  // rabbitmq management
    5671,   // amqps
    4369,   // epmd (erlang)
    61613,  // stomp
    4222,   // nats
    3260,   // iscsi
    5666,   // nrpe (nagios)
    10050,  // zabbix-agent
    10051,  // zabbix-trapper
    4949,   // munin
    19999,  // netdata
    3001,   // http dev server
    4000,   // http dev server / remoteanything
    4200,   // angular dev server
    5173,   // vite dev server
    8787,   // rstudio
    8889,   // jupyter alt
    6006,   // tensorboard
    9229,   // node inspector
    5005,   // java debug (jdwp)
    8983,   // solr
    8069,   // odoo
    8096,   // jellyfin
    32400,  // plex
    8123,   // home-assistant / clickhouse-http
    8060,   // http-alt / roku ecp
    7000,   // http-alt / afs3 / cassandra internode
    7070,   // realserver / anydesk
    6568,   // anydesk
    5500,   // vnc listener / hotline
    5555,   // adb / freeciv
    62078,  // iphone-sync (lockdownd)
    49000,  // fritzbox tr-064
    37215,  // huawei hg upnp
    52869,  // realtek upnp
    34567,  // dvr (xmeye)
    37777,  // dahua dvr
    8554,   // rtsp-alt
    1935,   // rtmp
    102,    // iso-tsap (siemens s7)
    502,    // modbus
    44818,  // ethernet-ip
    20000,  // dnp3 / usermin
    2404,   // iec-104
    4840,   // opc-ua
    1911,   // niagara fox
    4911,   // niagara fox-ssl
    47808,  // bacnet (tcp)
    9600,   // omron fins / logstash api
    1962,   // pcworx
    789,    // red lion crimson
    5094,   // hart-ip
    18245,  // ge srtp
    2455,   // codesys
    5007,   // mitsubishi melsec
    16992,  // intel amt http
    16993,  // intel amt https
    623,    // ipmi (tcp)
    17988,  // hp ilo virtual media
    5120,   // supermicro ikvm
    2068,   // avocent kvm
    8006,   // proxmox ve
    5480,   // vmware vami
    9440,   // nutanix prism
    903,    // vmware remote console
    9389,   // ad web services
    47001,  // winrm (internal)
    1801,   // msmq
    2103,   // msmq-rpc
    2105,   // msmq-rpc
    2107,   // msmq-mgmt
    2179,   // hyper-v vmrdp
    3343,   // ms cluster
    1688,   // ms kms
    8530,   // wsus
    8531,   // wsus-ssl
    2383,   // ms sql analysis services
    1512,   // wins
    42,     // wins replication / nameserver
    3372,   // msdtc
    6129,   // dameware
    3478,   // stun / turn
    5349,   // turns
    1719,   // h323 ras
    5038,   // asterisk ami
    2427,   // mgcp gateway
    4569,   // iax2 (tcp)
    5062,   // sip-alt
    5080,   // sip-alt / http-alt
    5190,   // aol / aim
    1863,   // msnp
    6697,   // ircs
    194,    // irc
    6660,   // irc
    6661,   // irc
    6662,   // irc
    6663,   // irc
    6664,   // irc
    6665,   // irc
    6666,   // irc
    6668,   // irc
    6669,   // irc
    5223,   // xmpp over ssl / apple push
    5228,   // google play / fcm
    5229,   // jabber-alt
    5280,   // xmpp bosh
    2525,   // smtp-alt
    24,     // lmtp / private mail
    109,    // pop2
    4190,   // managesieve
    691,    // ms exchange routing
    366,    // odmr
    10080,  // amanda / http-alt
    10082,  // amanda index
    10083,  // amanda tape
    10255,  // kubelet read-only
    10256,  // kube-proxy health
    10257,  // kube-controller-manager
    10259,  // kube-scheduler
    10249,  // kube-proxy metrics
    2377,   // docker swarm
    7946,   // docker swarm gossip
    4646,   // nomad http
    4647,   // nomad rpc
    4648,   // nomad serf
    30000,  // kubernetes nodeport
    30080,  // kubernetes nodeport http
    30443,  // kubernetes nodeport https
    31000,  // kubernetes nodeport
    32000,  // kubernetes nodeport
    2003,   // graphite carbon
    2004,   // graphite pickle
    5044,   // logstash beats
    12201,  // graylog gelf
    24224,  // fluentd forward
    4317,   // otlp grpc
    4318,   // otlp http
    14268,  // jaeger collector
    16686,  // jaeger ui
    601,    // syslog-conn
    6514,   // syslog-tls
    1514,   // syslog-alt / wazuh
    1515,   // wazuh registration
    55000,  // wazuh api
    25672,  // rabbitmq clustering
    6222,   // nats cluster
    6650,   // pulsar
    2888,   // zookeeper peer
    3888,   // zookeeper election
    16000,  // hbase master
    16010,  // hbase master web
    16020,  // hbase regionserver
    50070,  // hdfs namenode web
    50075,  // hdfs datanode web
    50010,  // hdfs datanode
    50090,  // hdfs secondary namenode
    9870,   // hdfs namenode web (3.x)
    9864,   // hdfs datanode web (3.x)
    8020,   // hdfs namenode
    18080,  // spark history / http-alt
    7077,   // spark master
    4040,   // spark ui
    8998,   // livy
    7180,   // cloudera manager
    9047,   // dremio
    9083,   // hive metastore
    2638,   // sybase sql anywhere
    4100,   // sybase alt
    1583,   // pervasive sql
    523,    // ibm-db2 das
    50001,  // ibm-db2 alt
    1522,   // oracle tns alt
    1526,   // oracle tns alt
    1529,   // oracle tns alt
    1630,   // oracle connection manager
    1158,   // oracle em
    3872,   // oracle em agent
    2483,   // oracle db tcps
    2484,   // oracle db tcps alt
    2100,   // oracle xdb ftp
    5560,   // isqlplus
    1527,   // derby / oracle alt
    3351,   // pervasive btrieve
    6380,   // redis alt
    6381,   // redis alt
    26379,  // redis sentinel
    16379,  // redis cluster bus
    11214,  // memcached ssl
    27020,  // mongodb alt
    9160,   // cassandra thrift
    7199,   // cassandra jmx
    2424,   // orientdb binary
    2480,   // orientdb http
    28015,  // rethinkdb driver / rust game
    29015,  // rethinkdb cluster
    8087,   // riak
    9004,   // clickhouse mysql
    9005,   // clickhouse postgres
    8812,   // questdb
    5439,   // redshift
    1972,   // intersystems cache
    57772,  // intersystems cache web
    6984,   // couchdb https
    8091,   // couchbase
    11210,  // couchbase memcached
    4444,   // krb524 / metasploit default
    4445,   // http-alt / upnotifyp
    4446,   // http-alt
    4449,   // http-alt
    1099,   // java rmi registry
    1098,   // java rmi activation
    9010,   // java jmx
    1090,   // java jmx alt / ff-fms
    8686,   // jmx / http-alt
    4447,   // jboss remoting
    4712,   // jboss tx recovery
    4713,   // jboss tx status
    9990,   // wildfly admin
    9993,   // wildfly admin https
    3528,   // jboss iiop
    3529,   // jboss iiop ssl
    8005,   // tomcat shutdown
    9043,   // websphere admin ssl
    9060,   // websphere admin
    2809,   // corbaloc / websphere bootstrap
    9101,   // jetdirect-2
    721,    // lpd source range
    2443,   // cisco sccp-tls
    2748,   // cisco unified
    1741,   // cisco works
    4786,   // cisco smart install
    711,    // cisco tdp
    49,     // tacacs
    1645,   // radius (old tcp)
    1812,   // radius (tcp)
    1813,   // radius accounting (tcp)
    3799,   // radius dynauth
    264,    // check point fw1 topology
    256,    // check point fw1
    257,    // check point fw1 log
    258,    // check point fw1 mgmt
    259,    // check point fw1 client auth
    18264,  // check point ica
    18190,  // check point cpmi
    18191,  // check point
    18192,  // check point
    981,    // check point remote https
    4433,   // https-alt / fortinet
    541,    // fortinet fortigate mgmt
    8013,   // fortinet / http-alt
    4434,   // https-alt
    1701,   // l2tp (tcp)
    500,    // isakmp (tcp)
    4500,   // ipsec nat-t (tcp)
    1194,   // openvpn
    943,    // openvpn access server
    51820,  // wireguard (tcp probe)
    5037,   // adb server
    2323,   // telnet-alt (iot)
    2332,   // telnet-alt
    23231,  // telnet-alt
    9527,   // dvr web
    60001,  // dvr / http-alt
    82,     // http-alt
    83,     // http-alt
    84,     // http-alt
    85,     // http-alt
    8899,   // dvr / http-alt
    10554,  // rtsp-alt
    555,    // rtsp-alt / dsf
    1554,   // rtsp-alt
    8555,   // rtsp-alt
    6036,   // dvr
    7777,   // game server / cbt
    7778,   // game server (unreal)
    7779,   // game server
    27015,  // steam / source dedicated
    27016,  // source dedicated
    25565,  // minecraft
    25575,  // minecraft rcon
    28016,  // rust rcon
    2302,   // arma / dayz
    3074,   // xbox live
    3724,   // world of warcraft
    6112,   // battle.net / dtspc
    6113,   // battle.net
    6114,   // battle.net
    6115,   // battle.net
    6116,   // battle.net
    6119,   // battle.net
    27000,  // flexlm / steam
    27005,  // source client
    27030,  // steam content
    27036,  // steam in-home streaming
    10011,  // teamspeak query
    30033,  // teamspeak file transfer
    64738,  // mumble
    19302,  // google stun (tcp)
    4070,   // spotify connect / tripe
    57621,  // spotify (tcp)
    1936,   // rtmp-alt
    5004,   // rtp / avt-profile
    5354,   // mdnsresponder
    7100,   // airplay alt / font-service
    3689,   // daap (itunes)
    3690,   // svn
    2401,   // cvspserver
    9390,   // openvas manager
    9392,   // openvas gsa / veeam
    3780,   // nexpose
    3790,   // metasploit pro
    55553,  // metasploit rpc
    50050,  // cobalt strike teamserver
    31337,  // back orifice / elite
    12345,  // netbus
    27374,  // subseven
    13720,  // netbackup bprd
    13721,  // netbackup bpdbm
    13724,  // netbackup vnetd
    13782,  // netbackup bpcd
    6101,   // backup exec agent
    6106,   // backup exec
    8400,   // commvault cvd
    8403,   // commvault
    7937,   // networker nsrexecd
    7938,   // networker lgtomapper
    6160,   // veeam install
    6162,   // veeam data mover
    664,    // asf secure rmcp
    17990,  // hp ilo remote console
    16994,  // intel amt redirection
    16995,  // intel amt redirection tls
    7080,   // http-alt
    8843,   // unifi guest https
    6789,   // unifi speedtest / ceph-mon
    11334,  // rspamd controller
    11332,  // rspamd proxy
    10024,  // amavis
    10025,  // postfix reinjection
    1400,   // sonos
    3400,   // sonos
    3401,   // sonos
    1925,   // philips tv api
    1926,   // philips tv api https
    6466,   // android tv remote
    6467,   // android tv pairing
    6690,   // synology drive
    7878,   // radarr
    9696,   // prowlarr
    8989,   // sonarr
    6881,   // bittorrent
    6882,   // bittorrent
    6883,   // bittorrent
    6884,   // bittorrent
    6885,   // bittorrent
    6889,   // bittorrent
    6969,   // bittorrent tracker
    8920,   // jellyfin https
    3483,   // squeezebox
    10243,  // windows media player http
    6346,   // gnutella
    6347,   // gnutella
    411,    // direct connect hub
    6699,   // napster / winmx
    9735,   // lightning network
    30303,  // ethereum p2p
    18081,  // monero rpc
    26656,  // tendermint p2p
    26657,  // tendermint rpc
    11,     // systat
    15,     // netstat
    18,     // msp
    101,    // hostname
    107,    // rtelnet
    115,    // sftp (simple file transfer)
    118,    // sqlserv
    150,    // sql-net
    156,    // sqlsrv
    209,    // qmtp
    371,    // clearcase
    520,    // efs
    525,    // timed
    530,    // courier rpc
    531,    // conference / aim
    532,    // netnews
    607,    // nqs
    871,    // supfilesrv
    2053,   // knetd
    7003,   // afs3 vlserver
    7004,   // afs3 kaserver
    7005,   // afs3 volser
    7007,   // afs3 bos
    6600,   // mpd
    6566,   // sane
    5358,   // wsdapi-s
    3702,   // ws-discovery
    5722,   // dfsr rpc
    4022,   // sql service broker
    5022,   // sql mirroring
    6516,   // windows admin center
    3200,   // sap dispatcher
    3600,   // sap message server
    50013,  // sap start service
    50014,  // sap start service https
    3201,   // sap dispatcher 01
    3301,   // sap gateway 01
    19888,  // yarn job history
    8188,   // yarn timeline
    60010,  // hbase master web (old)
    60030,  // hbase regionserver web (old)
    11000,  // oozie
    50030,  // hadoop jobtracker
    50060,  // hadoop tasktracker
    14000,  // httpfs
    10002,  // hiveserver2 web
    8153,   // gocd
    8154,   // gocd https
    7990,   // bitbucket server
    7999,   // bitbucket ssh
    4440,   // rundeck
    5050,   // mesos master
    6800,   // aria2 rpc / scrapyd
    3100,   // loki
    15000,  // envoy admin
    15021,  // istio health
    9901,   // envoy admin
    10254,  // ingress-nginx metrics
    2746,   // argo workflows
    2019,   // caddy admin
    6060,   // go pprof / http-alt
    9323,   // docker metrics
    6783,   // weave net
    26900,  // 7 days to die
    30120,  // fivem
    7787,   // game server
    8767,   // teamspeak 2 / http-alt
    3784,   // bfd / ventrilo
    6633,   // openflow (old)
    6653,   // openflow
    639,    // msdp
    3129,   // squid alt
    3130,   // squid icp (tcp)
    5066,   // freeswitch websocket
    7443,   // https-alt / unifi protect / freeswitch wss
    8021,   // freeswitch esl
    20048,  // nfs mountd
    4045,   // nfs lockd
    875,    // rquotad
    892,    // mountd (fixed)
    662,    // statd (fixed)
    32803,  // nlockmgr (fixed)
    222,    // ssh-alt / rsh-spx
    2200,   // ssh-alt
    2022,   // ssh-alt
    8022,   // ssh-alt / oa-system
    10022,  // ssh-alt
    22222,  // ssh-alt
    2223,   // ssh-alt
    3022,   // ssh-alt
    830,    // netconf-ssh
    6513,   // netconf-tls
    22000,  // syncthing
    8384,   // syncthing gui
    5678,   // rrac / n8n
    3391,   // rd gateway udp alt (tcp)
    5904,   // vnc display :4
    5905,   // vnc display :5
    5906,   // vnc display :6
    5907,   // vnc display :7
    5908,   // vnc display :8
    5909,   // vnc display :9
    5910,   // vnc display :10
    5911,   // vnc display :11
    5912,   // vnc display :12
    5913,   // vnc display :13
    5914,   // vnc display :14
    5915,   // vnc display :15
    5801,   // vnc-http :1
    5802,   // vnc-http :2
    5803,   // vnc-http :3
    5804,   // vnc-http :4
    5805,   // vnc-http :5
    6002,   // x11 display :2
    6003,   // x11 display :3
    6004,   // x11 display :4
    6005,   // x11 display :5
    6007,   // x11 display :7
    6008,   // x11 display :8
    6009,   // x11 display :9
    6010,   // x11 ssh forwarding :10
    6011,   // x11 ssh forwarding :11
    6012,   // x11 ssh forwarding :12
    6013,   // x11 ssh forwarding :13
    6014,   // x11 ssh forwarding :14
    6015,   // x11 ssh forwarding :15
    177,    // xdmcp
    5632,   // pcanywherestat
    5650,   // pcanywhere alt
    1352,   // lotus notes
    3052,   // apc powerchute
    3551,   // apcupsd
    3493,   // nut (ups)
    6547,   // powerchute business
    2301,   // hp insight manager
    2381,   // hp insight manager https
    3002,   // http dev server
    3003,   // http dev server
    3005,   // http dev server
    3030,   // http dev server
    3333,   // http-alt / stratum
    4001,   // http dev server
    4567,   // sinatra / tram
    5010,   // http dev server
    5100,   // http dev server
    5174,   // vite dev server alt
    7860,   // gradio
    8501,   // streamlit
    11434,  // ollama
    1313,   // hugo server
    19000,  // expo dev server
    35729,  // livereload
    9876,   // karma test runner
    8765,   // http-alt dev server
    8003,   // http-alt
    8004,   // http-alt
    8007,   // http-alt
    8011,   // http-alt
    8012,   // http-alt
    8014,   // http-alt
    8015,   // http-alt
    8016,   // http-alt
    8018,   // http-alt
    8025,   // http-alt / mailhog
    8030,   // http-alt / yarn scheduler
    8031,   // http-alt / yarn tracker
    8032,   // yarn resource manager
    8040,   // http-alt / yarn nodemanager
    8042,   // yarn nodemanager web
    8045,   // http-alt
    8050,   // http-alt
    8058,   // http-alt
    8061,   // http-alt
    8064,   // http-alt
    8065,   // mattermost
    8070,   // http-alt
    8071,   // http-alt
    8072,   // http-alt
    8074,   // http-alt
    8075,   // http-alt
    8079,   // http-alt
    8084,   // http-alt
    8085,   // http-alt
    8092,   // couchbase api
    8093,   // couchbase query
    8094,   // couchbase search
    8095,   // http-alt
    8097,   // http-alt
    8098,   // riak http
    8099,   // http-alt
    8101,   // http-alt / karaf ssh
    8111,   // teamcity
    8112,   // deluge web
    8118,   // privoxy
    8126,   // datadog apm
    8140,   // puppet
    8172,   // ms web deploy
    8201,   // vault cluster
    8243,   // https-alt (wso2)
    8280,   // http-alt (wso2)
    8300,   // consul server rpc
    8301,   // consul serf lan
    8302,   // consul serf wan
    8333,   // bitcoin
    8332,   // bitcoin rpc
    8383,   // http-alt
    8444,   // https-alt
    8445,   // https-alt
    8448,   // matrix federation
    8502,   // consul grpc
    8545,   // ethereum json-rpc
    8546,   // ethereum websocket
    8600,   // consul dns
    8761,   // eureka
    8848,   // nacos
    8873,   // dxspider / rsync-alt
    8980,   // http-alt / opennms
    9002,   // http-alt / dynamid
    9003,   // http-alt / php xdebug
    9009,   // http-alt / pichat
    9030,   // tor directory
    9040,   // tor transparent proxy
    9050,   // tor socks
    9051,   // tor control
    9081,   // http-alt
    9082,   // http-alt
    9088,   // informix
    9093,   // alertmanager / kafka-ssl
    9094,   // kafka / alertmanager cluster
    9099,   // calico felix / http-alt
    9102,   // jetdirect / bacula-fd
    9103,   // jetdirect / bacula-sd
    9104,   // mysqld exporter
    9113,   // nginx exporter
    9115,   // blackbox exporter
    9121,   // redis exporter
    9150,   // tor browser socks
    9187,   // postgres exporter
    9201,   // elasticsearch alt
    9292,   // puma / http-alt
    9306,   // sphinx/manticore mysql
    9312,   // sphinx searchd
    9411,   // zipkin
    9444,   // https-alt
    9618,   // htcondor
    9800,   // webdav / http-alt
    9943,   // https-alt
    9981,   // tvheadend
    9982,   // tvheadend htsp
    9997,   // splunk forwarder
    5201,   // iperf3
    17,     // qotd
    70,     // gopher
    98,     // linuxconf
    104,    // dicom
    117,    // uucp-path
    123,    // ntp (tcp)
    137,    // netbios-ns (tcp)
    138,    // netbios-dgm (tcp)
    162,    // snmptrap (tcp)
    210,    // z39.50
    220,    // imap3
    280,    // http-mgmt
    311,    // macos server admin
    406,    // imsp
    407,    // timbuktu
    412,    // direct connect
    434,    // mobile ip agent
    458,    // apple quicktime
    497,    // retrospect
    524,    // ncp (netware)
    540,    // uucp
    545,    // ekshell
    546,    // dhcpv6 client (tcp)
    547,    // dhcpv6 server (tcp)
    556,    // remotefs
    560,    // rmonitor
    591,    // filemaker web
    600,    // ipcserver
    625,    // apple directory proxy
    646,    // ldp (mpls)
    648,    // rrp
    666,    // doom
    674,    // acap
    700,    // epp
    705,    // agentx
    706,    // silc
    749,    // kerberos-adm
    750,    // kerberos-iv
    751,    // kerberos master
    754,    // krb_prop
    761,    // kpasswd (old)
    783,    // spamassassin
    808,    // ccproxy-http
    843,    // flash socket policy
    847,    // dhcp-failover
    860,    // iscsi (old)
    888,    // cddbp / http-alt
    901,    // samba swat
    953,    // rndc (bind)
    989,    // ftps-data
    1000,   // cadlock / webmin alt
    1001,   // http-alt
    1024,   // reserved / first dynamic
    1031,   // msrpc (legacy dynamic)
    1032,   // msrpc (legacy dynamic)
    1033,   // msrpc (legacy dynamic)
    1034,   // msrpc (legacy dynamic)
    1035,   // msrpc (legacy dynamic)
    1036,   // msrpc (legacy dynamic)
    1037,   // msrpc (legacy dynamic)
    1038,   // msrpc (legacy dynamic)
    1039,   // msrpc (legacy dynamic)
    1040,   // msrpc (legacy dynamic)
    1041,   // msrpc (legacy dynamic)
    1042,   // msrpc (legacy dynamic)
    1043,   // msrpc (legacy dynamic)
    1044,   // msrpc (legacy dynamic)
    1045,   // msrpc (legacy dynamic)
    1046,   // msrpc (legacy dynamic)
    1047,   // msrpc (legacy dynamic)
    1048,   // msrpc (legacy dynamic)
    1049,   // msrpc (legacy dynamic)
    1050,   // msrpc (legacy dynamic)
    1051,   // msrpc (legacy dynamic)
    1052,   // msrpc (legacy dynamic)
    1053,   // msrpc (legacy dynamic)
    1054,   // msrpc (legacy dynamic)
    1055,   // msrpc (legacy dynamic)
    1056,   // msrpc (legacy dynamic)
    1057,   // msrpc (legacy dynamic)
    1058,   // msrpc (legacy dynamic)
    1059,   // msrpc (legacy dynamic)
    1060,   // msrpc (legacy dynamic)
    49161,  // msrpc (windows dynamic)
    49162,  // msrpc (windows dynamic)
    49163,  // msrpc (windows dynamic)
    49164,  // msrpc (windows dynamic)
    49165,  // msrpc (windows dynamic)
    49166,  // msrpc (windows dynamic)
    49167,  // msrpc (windows dynamic)
    49168,  // msrpc (windows dynamic)
    49169,  // msrpc (windows dynamic)
    49170,  // msrpc (windows dynamic)
    49171,  // msrpc (windows dynamic)
    49172,  // msrpc (windows dynamic)
    49173,  // msrpc (windows dynamic)
    49174,  // msrpc (windows dynamic)
    49175,  // msrpc (windows dynamic)
    49176,  // msrpc (windows dynamic)
    49177,  // msrpc (windows dynamic)
    49178,  // msrpc (windows dynamic)
    49179,  // msrpc (windows dynamic)
    49180,  // msrpc (windows dynamic)
    32769,  // rpc (linux dynamic)
    32770,  // rpc (linux dynamic)
    32771,  // rpc (linux dynamic)
    32772,  // rpc (linux dynamic)
    32773,  // rpc (linux dynamic)
    32774,  // rpc (linux dynamic)
    32775,  // rpc (linux dynamic)
    32776,  // rpc (linux dynamic)
    32777,  // rpc (linux dynamic)
    32778,  // rpc (linux dynamic)
    32779,  // rpc (linux dynamic)
    32780,  // rpc (linux dynamic)
    1081,   // socks-alt
    1085,   // webobjects
    1119,   // battle.net
    1214,   // kazaa
    1241,   // nessus (old)
    1270,   // ms operations manager
    1311,   // dell openmanage
    1337,   // waste / http-alt
    1344,   // icap
    1414,   // ibm mq
    1415,   // ibm mq alt
    1417,   // timbuktu service
    1443,   // https-alt
    1500,   // vlsi-lm / tsm
    1501,   // tsm client
    1503,   // t.120 netmeeting
    1524,   // ingreslock
    1533,   // sametime
    1556,   // veritas pbx
    1604,   // citrix ica browser
    1666,   // perforce
    1700,   // radius coa (cisco)
    1718,   // h323 gatekeeper discovery
    1755,   // ms streaming (mms)
    1761,   // landesk remote control
    1830,   // oracle net8 cman admin
    1947,   // sentinel license manager
    1984,   // bigbrother
    2041,   // interbase
    2399,   // filemaker data access
    2601,   // zebra (quagga)
    2602,   // ripd
    2604,   // ospfd
    2605,   // bgpd
    2869,   // icslap (upnp)
    2947,   // gpsd
    2967,   // symantec antivirus
    3031,   // eppc (apple remote events)
    3221,   // xnm-clear-text (juniper)
    3299,   // sap router
    3300,   // sap gateway
    3310,   // clamav
    3632,   // distccd
    3659,   // apple-sasl
    3905,   // mupdate
    4002,   // mlchat-proxy / http dev server
    4111,   // xgrid
    4125,   // rww (remote web workplace)
    4242,   // vrml-multi-use / http-alt
    4321,   // rwhois
    4662,   // edonkey
    4672,   // edonkey (tcp alt)
    4711,   // trinity-dist / http-alt
    4730,   // gearman
    5003,   // filemaker
    5009,   // airport admin
    5040,   // http-alt
    5051,   // ida-agent
    5298,   // presence (xmpp link-local)
    5431,   // park-agent (upnp)
    5679,   // activesync
    5718,   // dpm
    5987,   // wbem-rmi
    5988,   // wbem-http
    5989,   // wbem-https
    5999,   // cvsup
};

constexpr std::array<std::uint16_t, 403> udp_ranked{
    53,     // domain
    123,    // ntp
    161,    // snmp
    137,    // netbios-ns
    138,    // netbios-dgm
    67,     // dhcps (bootps)
    68,     // dhcpc (bootpc)
    69,     // tftp
    500,    // isakmp (ike)
    4500,   // ipsec nat-t
    1900,   // ssdp (upnp)
    5353,   // mdns
    514,    // syslog
    520,    // rip
    1434,   // ms-sql-m (browser)
    162,    // snmptrap
    111,    // rpcbind
    2049,   // nfs
    5060,   // sip
    1194,   // openvpn
    51820,  // wireguard
    1701,   // l2tp
    443,    // quic (http/3)
    80,     // http-alt / quic
    3478,   // stun / turn
    5355,   // llmnr
    3702,   // ws-discovery
    623,    // ipmi rmcp
    1812,   // radius
    1813,   // radius accounting
    1645,   // radius (old)
    1646,   // radius accounting (old)
    11211,  // memcache
    19,     // chargen
    7,      // echo
    13,     // daytime
    17,     // qotd
    37,     // time
    9,      // discard
    389,    // cldap
    88,     // kerberos
    464,    // kpasswd
    135,    // msrpc (udp)
    445,    // microsoft-ds (udp)
    139,    // netbios-ssn (udp)
    177,    // xdmcp
    427,    // svrloc
    631,    // ipp (cups browsing)
    5351,   // nat-pmp / pcp
    5350,   // nat-pmp announce
    1719,   // h323 ras
    2000,   // cisco sccp (udp)
    4569,   // iax2
    2427,   // mgcp gateway
    2727,   // mgcp call agent
    5004,   // rtp
    5005,   // rtcp
    5061,   // sip-tls (udp)
    5062,   // sip-alt
    5070,   // sip-alt
    5080,   // sip-alt
    10000,  // rtp / ndmp
    3544,   // teredo
    1718,   // h323 gatekeeper discovery
    3283,   // apple remote desktop (net-assistant)
    5246,   // capwap control
    5247,   // capwap data
    12222,  // lwapp control
    12223,  // lwapp data
    1985,   // hsrp
    2048,   // dls-monitor
    1698,   // rsvp encapsulation
    3799,   // radius dynauth
    1700,   // radius coa (cisco)
    47808,  // bacnet
    502,    // modbus (udp)
    2222,   // ethernet-ip implicit
    44818,  // ethernet-ip explicit
    20000,  // dnp3
    2404,   // iec-104 (udp)
    4840,   // opc-ua discovery
    1911,   // niagara fox (udp)
    9600,   // omron fins
    5683,   // coap
    5684,   // coaps
    1883,   // mqtt-sn
    8883,   // mqtt-sn tls
    5540,   // matter
    6454,   // art-net
    5568,   // sacn (e1.31)
    319,    // ptp event
    320,    // ptp general
    546,    // dhcpv6 client
    547,    // dhcpv6 server
    647,    // dhcp failover
    4011,   // pxe (altservice)
    1067,   // instl boots
    1068,   // instl bootc
    6343,   // sflow
    2055,   // netflow
    9995,   // netflow alt
    9996,   // netflow alt
    4739,   // ipfix
    4789,   // vxlan
    8472,   // vxlan (linux / flannel)
    6081,   // geneve
    4754,   // gre-in-udp
    3784,   // bfd control
    3785,   // bfd echo
    4784,   // bfd multihop
    49,     // tacacs (udp)
    6514,   // syslog-tls (dtls)
    601,    // syslog-conn
    2123,   // gtp-c
    2152,   // gtp-u
    3386,   // gtp' (ga)
    8805,   // pfcp
    36412,  // s1ap (sctp alt)
    38412,  // ngap (sctp alt)
    5349,   // turns (dtls)
    19302,  // google stun
    3479,   // stun alt / playstation
    3480,   // stun alt / playstation
    3074,   // xbox live
    3075,   // xbox live alt
    9308,   // playstation
    27015,  // steam / source dedicated
    27016,  // source dedicated
    27017,  // source dedicated
    27018,  // source dedicated
    27019,  // source dedicated
    27020,  // source tv
    27005,  // source client
    27031,  // steam in-home streaming
    27036,  // steam in-home streaming
    4380,   // steam voice
    25565,  // minecraft query
    19132,  // minecraft bedrock
    19133,  // minecraft bedrock ipv6
    7777,   // game server (unreal / ark / terraria)
    7778,   // game server (unreal)
    7779,   // game server
    2302,   // arma / dayz
    2303,   // arma / dayz
    2304,   // arma steam query
    2305,   // arma
    2456,   // valheim
    2457,   // valheim query
    2458,   // valheim
    26900,  // 7 days to die
    26901,  // 7 days to die
    16261,  // project zomboid
    16262,  // project zomboid
    34197,  // factorio
    8211,   // palworld
    28015,  // rust
    28016,  // rust query
    30120,  // fivem
    27960,  // quake 3
    28960,  // call of duty
    3724,   // world of warcraft
    6112,   // battle.net
    1119,   // battle.net
    9987,   // teamspeak 3 voice
    64738,  // mumble
    8767,   // teamspeak 2
    4070,   // spotify connect
    57621,  // spotify
    32410,  // plex gdm
    32412,  // plex gdm
    32413,  // plex gdm
    32414,  // plex gdm
    1901,   // upnp alt
    3483,   // squeezebox discovery
    10001,  // ubiquiti discovery
    5678,   // mikrotik discovery (mndp)
    20561,  // mikrotik mac-winbox
    4444,   // ubiquiti / eap
    8100,   // eap alt
    1604,   // citrix ica browser
    2598,   // citrix cgp (udp)
    3389,   // rdp (udp transport)
    3391,   // rd gateway udp
    5900,   // vnc (udp rare)
    5938,   // teamviewer
    6568,   // anydesk
    1235,   // vlc http / mosaic
    554,    // rtsp (udp)
    8554,   // rtsp alt
    1935,   // rtmp (udp)
    6970,   // rtp (quicktime)
    6971,   // rtp (quicktime)
    7000,   // airplay
    7001,   // airplay timing
    7011,   // airplay alt
    6000,   // x11 (udp rare)
    513,    // who (rwhod)
    517,    // talk
    518,    // ntalk
    512,    // biff (comsat)
    525,    // timed
    530,    // courier
    540,    // uucp
    750,    // kerberos-iv
    751,    // kerberos master
    760,    // kerberos registration
    4045,   // nfs lockd
    20048,  // nfs mountd
    875,    // rquotad
    892,    // mountd (fixed)
    662,    // statd (fixed)
    32803,  // nlockmgr (fixed)
    32768,  // rpc (linux dynamic)
    32769,  // rpc (linux dynamic)
    32770,  // rpc (linux dynamic)
    32771,  // rpc (linux dynamic)
    32772,  // rpc (linux dynamic)
    32773,  // rpc (linux dynamic)
    32774,  // rpc (linux dynamic)
    32775,  // rpc (linux dynamic)
    32776,  // rpc (linux dynamic)
    32777,  // rpc (linux dynamic)
    32778,  // rpc (linux dynamic)
    32779,  // rpc (linux dynamic)
    32780,  // rpc (linux dynamic)
    1433,   // ms-sql (udp)
    1521,   // oracle (udp)
    3306,   // mysql (udp)
    5432,   // postgresql (udp)
    8125,   // statsd
    8126,   // statsd admin
    25826,  // collectd
    2003,   // graphite (udp)
    8094,   // telegraf socket listener
    12201,  // graylog gelf
    5140,   // syslog alt
    10514,  // syslog alt
    1514,   // syslog alt / wazuh
    24224,  // fluentd (udp heartbeat)
    6831,   // jaeger thrift compact
    6832,   // jaeger thrift binary
    5775,   // jaeger zipkin thrift
    8089,   // splunk (udp)
    7946,   // docker swarm gossip
    8301,   // consul serf lan
    8302,   // consul serf wan
    8600,   // consul dns
    4648,   // nomad serf
    7373,   // serf rpc
    853,    // dns over quic
    8853,   // dns over quic alt
    5300,   // dns alt
    5335,   // dns alt (unbound)
    5053,   // dns alt
    1723,   // pptp (gre control)
    10443,  // fortinet ssl vpn dtls
    4433,   // dtls vpn
    8443,   // dtls vpn alt / quic
    6379,   // redis (udp)
    9042,   // cassandra (udp)
    7002,   // afs3-prserver
    7003,   // afs3-vlserver
    7004,   // afs3-kaserver
    7005,   // afs3-volser
    7007,   // afs3-bos
    4672,   // edonkey
    4665,   // edonkey
    6881,   // bittorrent dht
    6882,   // bittorrent
    6883,   // bittorrent
    6889,   // bittorrent
    6969,   // bittorrent tracker
    1337,   // bittorrent tracker alt
    2710,   // bittorrent tracker alt
    6346,   // gnutella
    6347,   // gnutella
    4662,   // edonkey
    30303,  // ethereum discovery
    9000,   // udp game / squeezebox
    1195,   // openvpn alt
    1197,   // openvpn alt
    1198,   // openvpn alt
    51821,  // wireguard alt
    51822,  // wireguard alt
    41641,  // tailscale
    1025,   // msrpc dynamic (legacy)
    1026,   // msrpc dynamic (legacy)
    1027,   // msrpc dynamic (legacy)
    1028,   // msrpc dynamic (legacy)
    1029,   // msrpc dynamic (legacy)
    1030,   // msrpc dynamic (legacy)
    5160,   // sip alt (freepbx chan_sip)
    5161,   // sip alt
    1234,   // vlc udp stream
    5001,   // iperf2
    5201,   // iperf3
    9993,   // zerotier
    21027,  // syncthing discovery
    22000,  // syncthing quic
    6666,   // tuya discovery
    6667,   // tuya discovery (encrypted)
    38899,  // wiz lights
    9999,   // tp-link kasa
    20002,  // tp-link discovery
    1982,   // yeelight
    56700,  // lifx
    27021,  // steam matchmaking
    27022,  // steam matchmaking
    27023,  // steam
    27024,  // steam
    27025,  // steam
    27026,  // steam
    27027,  // steam
    27028,  // steam
    27029,  // steam
    27030,  // steam
    27050,  // steam
    4379,   // steam client
    7780,   // game server (unreal)
    7781,   // game server
    7782,   // game server
    7783,   // game server
    7784,   // game server
    7785,   // game server
    7786,   // game server
    7787,   // unreal tournament
    7788,   // game server
    6672,   // gta online
    1716,   // america's army
    27901,  // quake 2
    26000,  // quake
    28785,  // sauerbraten
    3222,   // glbp
    10161,  // snmp over tls
    10162,  // snmptrap over tls
    694,    // heartbeat (linux-ha)
    5404,   // corosync
    5405,   // corosync
    5406,   // corosync
    4803,   // spread
    655,    // tinc
    8612,   // canon bjnp
    8610,   // canon mfnp
    3289,   // epson enpc
    30718,  // lantronix discovery
    37020,  // hikvision sadp
    37810,  // dahua discovery
    1947,   // sentinel hasp
    5093,   // sentinel lm
    5632,   // pcanywherestat
    11,     // systat
    18,     // msp
    42,     // wins / nameserver
    1512,   // wins
    2103,   // msmq-rpc
    1801,   // msmq
    3527,   // msmq (udp)
    2107,   // msmq-mgmt
    1024,   // reserved / first dynamic
    3343,   // ms cluster
    2535,   // madcap
    5357,   // wsdapi (udp)
    5358,   // wsdapi-s (udp)
    6771,   // bittorrent local peer discovery
    17500,  // dropbox lan sync
    2223,   // rockwell csp2 / ethernet-ip alt
    47809,  // bacnet alt
    47810,  // bacnet alt
    47811,  // bacnet alt
    18245,  // ge srtp (udp)
    1962,   // pcworx (udp)
    34962,  // profinet rt
    34963,  // profinet rt
    34964,  // profinet cm
    55000,  // hart-ip / fl-net
    5094,   // hart-ip
    55003,  // fl-net
    4000,   // icq / game
    1200,   // codesys / scada
    5050,   // yahoo messenger / mmcc
    5190,   // aol / icq
    6113,   // battle.net
    6114,   // battle.net
    8000,   // http-alt / shoutcast
    8001,   // shoutcast alt
    2086,   // gnunet
    8649,   // ganglia gmond
    8651,   // ganglia
    664,    // asf secure rmcp
    6789,   // ceph / unifi
    5058,   // playstation remote play / sip alt
    9302,   // playstation remote play
    9303,   // playstation remote play
    9304,   // playstation remote play
    987,    // playstation remote play
    9103,   // bacula (udp)
    2001,   // mikrotik bandwidth test
    8285,   // flannel udp backend
    6783,   // weave net
    6784,   // weave net fastdp
    521,    // ripng
    2029,   // hsrp ipv6
    646,    // ldp (discovery)
};
// clang-format on

}  // namespace

std::span<const std::uint16_t> top_tcp_ports_ranked() {
    return tcp_ranked;
}

std::span<const std::uint16_t> top_udp_ports_ranked() {
    return udp_ranked;
}

}  // namespace portwarden
