<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="zh_CN">
<context>
    <name></name>
    <message>
        <source>知道了</source>
        <translation>Dismiss</translation>
    </message>
    <message>
        <source>预警</source>
        <translation>Alert</translation>
    </message>
    <message>
        <source>问题</source>
        <translation>question</translation>
    </message>
    <message>
        <source>评论</source>
        <translation>Comments</translation>
    </message>
    <message>
        <source>置顶评论</source>
        <comment>action</comment>
        <translation>Pin comment</translation>
    </message>
    <message>
        <source>拉黑此人</source>
        <translation>Block this viewer</translation>
    </message>
    <message>
        <source>显示 {shown} 条 · 已屏蔽 {hidden} 条</source>
        <translation>{shown} shown · {hidden} hidden</translation>
    </message>
    <message>
        <source>来不及显示 {skipped} 条（记录完整）</source>
        <translation>{skipped} not drawn in time (all are in the log)</translation>
    </message>
    <message>
        <source>满减</source>
        <translation>Spend &amp; save</translation>
    </message>
    <message>
        <source>折扣</source>
        <translation>Percent off</translation>
    </message>
    <message>
        <source>无门槛</source>
        <translation>No threshold</translation>
    </message>
    <message>
        <source>编辑优惠券</source>
        <translation>Edit coupon</translation>
    </message>
    <message>
        <source>新建优惠券</source>
        <translation>New coupon</translation>
    </message>
    <message>
        <source>例：满199减30</source>
        <translation>e.g. 满199减30</translation>
    </message>
    <message>
        <source> 折</source>
        <translation> /10</translation>
    </message>
    <message>
        <source>券名</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>类型</source>
        <translation>Kind</translation>
    </message>
    <message>
        <source>门槛（满）</source>
        <translation>Spend at least</translation>
    </message>
    <message>
        <source>减额</source>
        <translation>Amount off</translation>
    </message>
    <message>
        <source>折扣</source>
        <comment>coupon form field</comment>
        <translation>Rate</translation>
    </message>
    <message>
        <source>数量</source>
        <translation>Quantity</translation>
    </message>
    <message>
        <source>优惠券 / 秒杀</source>
        <translation>Coupons / flash sales</translation>
    </message>
    <message>
        <source>发券</source>
        <translation>Drop coupon</translation>
    </message>
    <message>
        <source>停止</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>优惠券</source>
        <comment>dock title</comment>
        <translation>Coupons</translation>
    </message>
    <message>
        <source>一个商品的讲解</source>
        <translation>One product&apos;s explanations</translation>
    </message>
    <message>
        <source>成交高光</source>
        <translation>Moments that sold</translation>
    </message>
    <message>
        <source>一段范围</source>
        <translation>A range</translation>
    </message>
    <message>
        <source>原画面（最快，逐帧精确）</source>
        <translation>Original picture (fastest, frame-exact)</translation>
    </message>
    <message>
        <source>竖屏 9:16 · 裁切</source>
        <translation>Vertical 9:16 · cropped</translation>
    </message>
    <message>
        <source>竖屏 9:16 · 完整画面加边</source>
        <translation>Vertical 9:16 · whole picture with bars</translation>
    </message>
    <message>
        <source>默认</source>
        <translation>Default</translation>
    </message>
    <message>
        <source>顶部</source>
        <translation>Top</translation>
    </message>
    <message>
        <source>中间</source>
        <translation>Middle</translation>
    </message>
    <message>
        <source>底部</source>
        <translation>Bottom</translation>
    </message>
    <message>
        <source>时长</source>
        <translation>Duration</translation>
    </message>
    <message>
        <source>片段</source>
        <translation>Clip</translation>
    </message>
    <message>
        <source>导出切片</source>
        <translation>Export clips</translation>
    </message>
    <message>
        <source>范围</source>
        <translation>Range</translation>
    </message>
    <message>
        <source>裁切区域的水平中心：0% 最左，100% 最右</source>
        <translation>The crop region&apos;s horizontal centre: 0% far left, 100% far right</translation>
    </message>
    <message>
        <source>裁切区域的高度占画面的比例：越小放得越大</source>
        <translation>The crop region&apos;s height as a share of the picture: smaller zooms in</translation>
    </message>
    <message>
        <source>中心</source>
        <translation>Centre</translation>
    </message>
    <message>
        <source>高度</source>
        <translation>Height</translation>
    </message>
    <message>
        <source>（{n} 个场景用自己的区域）</source>
        <translation>({n} scenes use their own region)</translation>
    </message>
    <message>
        <source>商品卡（标题、直播价）</source>
        <translation>Product card (title, live price)</translation>
    </message>
    <message>
        <source>一行字幕，烧录在竖屏切片上</source>
        <translation>One caption line, burned into vertical clips</translation>
    </message>
    <message>
        <source>标志图片（PNG，可透明）</source>
        <translation>Logo picture (PNG, may be transparent)</translation>
    </message>
    <message>
        <source>浏览…</source>
        <translation>Browse…</translation>
    </message>
    <message>
        <source>响度统一到 -14 LUFS（短视频平台的播放响度）</source>
        <translation>Level loudness to -14 LUFS (what short-video platforms play at)</translation>
    </message>
    <message>
        <source>裁切区域</source>
        <translation>Crop region</translation>
    </message>
    <message>
        <source>字幕</source>
        <translation>Caption</translation>
    </message>
    <message>
        <source>标志</source>
        <translation>Logo</translation>
    </message>
    <message>
        <source>声音</source>
        <translation>Sound</translation>
    </message>
    <message>
        <source>导出…</source>
        <translation>Export…</translation>
    </message>
    <message>
        <source>预览失败</source>
        <translation>Preview failed</translation>
    </message>
    <message>
        <source>自定义</source>
        <translation>Custom</translation>
    </message>
    <message>
        <source>选择标志图片</source>
        <translation>Choose a logo picture</translation>
    </message>
    <message>
        <source>正在找成交高光…</source>
        <translation>Finding the moments that sold…</translation>
    </message>
    <message>
        <source>找不到成交高光</source>
        <translation>Could not find the moments that sold</translation>
    </message>
    <message>
        <source>广告法极限词，请改写：</source>
        <translation>Advertising-Law extreme words, please rephrase: </translation>
    </message>
    <message>
        <source>没有可切的片段</source>
        <translation>Nothing to cut</translation>
    </message>
    <message>
        <source>{n} 个切片，共 {m} 分钟</source>
        <translation>{n} clips, {m} minutes in all</translation>
    </message>
    <message>
        <source>新建券…</source>
        <translation>New coupon…</translation>
    </message>
    <message>
        <source>编辑…</source>
        <translation>Edit…</translation>
    </message>
    <message>
        <source>没有进行中的秒杀</source>
        <translation>no flash sale</translation>
    </message>
    <message>
        <source>开始秒杀</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>结束</source>
        <translation>End</translation>
    </message>
    <message>
        <source>秒杀</source>
        <translation>Flash sale</translation>
    </message>
    <message>
        <source>商品</source>
        <translation>Product</translation>
    </message>
    <message>
        <source>秒杀价</source>
        <translation>Price</translation>
    </message>
    <message>
        <source>库存</source>
        <translation>Stock</translation>
    </message>
    <message>
        <source>剩余</source>
        <translation>left</translation>
    </message>
    <message>
        <source>秒杀中</source>
        <translation>flash sale</translation>
    </message>
    <message>
        <source>剩</source>
        <translation>left</translation>
    </message>
    <message>
        <source>所有观众</source>
        <translation>Anyone</translation>
    </message>
    <message>
        <source>仅粉丝</source>
        <translation>Followers only</translation>
    </message>
    <message>
        <source>开始前已在直播间</source>
        <translation>In the room before it opened</translation>
    </message>
    <message>
        <source>福袋</source>
        <translation>Lucky draw</translation>
    </message>
    <message>
        <source>奖品：商品、券或一句话</source>
        <translation>prize: a product, a coupon or a few words</translation>
    </message>
    <message>
        <source>观众发送这个口令参与</source>
        <translation>viewers comment this to enter</translation>
    </message>
    <message>
        <source>开始福袋</source>
        <translation>Open the draw</translation>
    </message>
    <message>
        <source>立即开奖</source>
        <translation>Draw now</translation>
    </message>
    <message>
        <source>没有进行中的福袋</source>
        <translation>no draw open</translation>
    </message>
    <message>
        <source>开奖前公布的承诺（种子的 SHA-256）：开奖后公布种子，任何人可用事件日志复算中奖者</source>
        <translation>published before entries open (SHA-256 of the seed); the seed is revealed at the draw, and anyone can recompute the winners from the event log</translation>
    </message>
    <message>
        <source>奖品</source>
        <translation>Prize</translation>
    </message>
    <message>
        <source>口令</source>
        <translation>Keyword</translation>
    </message>
    <message>
        <source>中奖人数</source>
        <translation>Winners</translation>
    </message>
    <message>
        <source>参与条件</source>
        <translation>Who may enter</translation>
    </message>
    <message>
        <source>人参与</source>
        <translation>entered</translation>
    </message>
    <message>
        <source>承诺</source>
        <translation>commitment</translation>
    </message>
    <message>
        <source>已开奖</source>
        <translation>drawn</translation>
    </message>
    <message>
        <source>中奖</source>
        <translation>winners</translation>
    </message>
    <message>
        <source>无人参与</source>
        <translation>nobody entered</translation>
    </message>
    <message>
        <source>开奖中…</source>
        <translation>drawing…</translation>
    </message>
    <message>
        <source>自动回复 / 公告</source>
        <translation>Auto-reply / notices</translation>
    </message>
    <message>
        <source>观众的问题（同一话题 30 秒内只列一次）；双击回复上屏</source>
        <translation>viewers&apos; questions (one per topic in 30 s); double-click to answer on stream</translation>
    </message>
    <message>
        <source>回复内容（可先修改）</source>
        <translation>the answer (edit it first if you like)</translation>
    </message>
    <message>
        <source>回复上屏</source>
        <translation>Answer on stream</translation>
    </message>
    <message>
        <source>忽略</source>
        <translation>Dismiss</translation>
    </message>
    <message>
        <source>撤下回复</source>
        <translation>Take reply off</translation>
    </message>
    <message>
        <source>自动回复（无需点击）</source>
        <translation>Auto-reply (no click)</translation>
    </message>
    <message>
        <source>观众提问</source>
        <translation>Questions</translation>
    </message>
    <message>
        <source>编辑问答…</source>
        <translation>Edit FAQ…</translation>
    </message>
    <message>
        <source>公告：例如 20:00 福袋 / 21:00 秒杀</source>
        <translation>notice, e.g. 20:00 lucky draw</translation>
    </message>
    <message>
        <source>公告上屏</source>
        <translation>Show notice</translation>
    </message>
    <message>
        <source>撤下公告</source>
        <translation>Hide notice</translation>
    </message>
    <message>
        <source>公告</source>
        <translation>Notice</translation>
    </message>
    <message>
        <source>提醒时间表…</source>
        <translation>Schedule…</translation>
    </message>
    <message>
        <source>到点前一分钟在提词器上提醒主播（不上屏）</source>
        <translation>reminds the host on the teleprompter a minute ahead (not on stream)</translation>
    </message>
    <message>
        <source>上屏中</source>
        <translation>on stream</translation>
    </message>
    <message>
        <source>公告中</source>
        <translation>showing</translation>
    </message>
    <message>
        <source>没有公告</source>
        <translation>no notice</translation>
    </message>
    <message>
        <source>{seconds} 秒后</source>
        <translation>in {seconds} s</translation>
    </message>
    <message>
        <source>现在</source>
        <translation>now</translation>
    </message>
    <message>
        <source>编辑自动回复问答</source>
        <translation>Edit FAQ auto-reply</translation>
    </message>
    <message>
        <source>全场（任何商品讲解时）</source>
        <translation>Whole room (any product)</translation>
    </message>
    <message>
        <source>话题</source>
        <translation>Topic</translation>
    </message>
    <message>
        <source>关键词（/ 分隔）</source>
        <translation>Keywords (split with /)</translation>
    </message>
    <message>
        <source>回复</source>
        <translation>Answer</translation>
    </message>
    <message>
        <source>已保存</source>
        <translation>saved</translation>
    </message>
    <message>
        <source>公告提醒时间表</source>
        <translation>Notice schedule</translation>
    </message>
    <message>
        <source>每行一条：时间 + 内容；到点前一分钟提醒主播（不上屏）</source>
        <translation>one a line: time + what; the host is reminded a minute ahead (not on stream)</translation>
    </message>
    <message>
        <source>数据</source>
        <translation>Sales graphs</translation>
    </message>
    <message>
        <source>累计成交 GMV (￥)</source>
        <translation>Cumulative GMV (￥)</translation>
    </message>
    <message>
        <source>每分钟订单</source>
        <translation>Orders / min</translation>
    </message>
    <message>
        <source>在线人数</source>
        <translation>Online</translation>
    </message>
    <message>
        <source>分钟</source>
        <translation>min</translation>
    </message>
    <message>
        <source>直播价</source>
        <translation>Live</translation>
    </message>
    <message>
        <source>原价</source>
        <translation>List</translation>
    </message>
    <message>
        <source>推流</source>
        <translation>Push</translation>
    </message>
    <message>
        <source>名称</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>服务器</source>
        <translation>Server</translation>
    </message>
    <message>
        <source>密钥</source>
        <translation>Key</translation>
    </message>
    <message>
        <source>状态</source>
        <translation>State</translation>
    </message>
    <message>
        <source>✖ 失败</source>
        <translation>✖ failed</translation>
    </message>
    <message>
        <source>◌ 重连中</source>
        <translation>◌ reconnecting</translation>
    </message>
    <message>
        <source>◐ 拥塞</source>
        <translation>◐ congested</translation>
    </message>
    <message>
        <source>● 正常</source>
        <translation>● OK</translation>
    </message>
    <message>
        <source>推流目的地</source>
        <translation>Destinations</translation>
    </message>
    <message>
        <source>选择平台…</source>
        <translation>Choose a platform…</translation>
    </message>
    <message>
        <source>留空则保留已保存的密钥</source>
        <translation>leave empty to keep the saved key</translation>
    </message>
    <message>
        <source>平台给的串流密钥</source>
        <translation>the stream key the platform gave you</translation>
    </message>
    <message>
        <source>平台</source>
        <translation>Platform</translation>
    </message>
    <message>
        <source>串流密钥</source>
        <translation>Stream key</translation>
    </message>
    <message>
        <source>添加…</source>
        <translation>Add…</translation>
    </message>
    <message>
        <source>删除</source>
        <translation>Remove</translation>
    </message>
    <message>
        <source>未保存</source>
        <translation>not saved</translation>
    </message>
    <message>
        <source>主推流（工具栏）</source>
        <translation>Main (toolbar)</translation>
    </message>
    <message>
        <source>未填写</source>
        <translation>not filled in</translation>
    </message>
    <message>
        <source>工具栏里的推流地址：在工具栏修改或清空</source>
        <translation>The toolbar&apos;s push address: change or clear it in the toolbar</translation>
    </message>
    <message>
        <source>未保存密钥，跳过</source>
        <translation>no saved key, skipped</translation>
    </message>
    <message>
        <source>请填写串流密钥</source>
        <translation>enter the stream key</translation>
    </message>
    <message>
        <source>商品 / 排品</source>
        <translation>Products</translation>
    </message>
    <message>
        <source>直播结束时的库存写回商品库；演练中的变化不写回</source>
        <translation>A show&apos;s stock at its end goes back to the catalogue; a rehearsal&apos;s changes do not</translation>
    </message>
    <message>
        <source>讲解</source>
        <translation>Pin</translation>
    </message>
    <message>
        <source>上一个</source>
        <translation>Prev</translation>
    </message>
    <message>
        <source>下一个</source>
        <translation>Next</translation>
    </message>
    <message>
        <source>导入商品 CSV…</source>
        <translation>Import CSV…</translation>
    </message>
    <message>
        <source>讲解中</source>
        <translation>pinned</translation>
    </message>
    <message>
        <source>售罄</source>
        <translation>sold out</translation>
    </message>
    <message>
        <source>话术</source>
        <translation>Scripts</translation>
    </message>
    <message>
        <source>保存</source>
        <translation>Save</translation>
    </message>
    <message>
        <source>横屏</source>
        <translation>Landscape</translation>
    </message>
    <message>
        <source>竖屏</source>
        <translation>Portrait</translation>
    </message>
    <message>
        <source>商品卡</source>
        <translation>Product card</translation>
    </message>
    <message>
        <source>原画面：不加任何东西</source>
        <translation>Original picture: nothing added</translation>
    </message>
    <message>
        <source>拖动字幕或商品卡改变位置；选中后可用方向键微调</source>
        <translation>Drag the caption or the product card to move it; once picked, the arrow keys nudge it</translation>
    </message>
    <message>
        <source>这一场的录像读不出画面</source>
        <translation>No picture can be read from this show&apos;s recording</translation>
    </message>
    <message>
        <source>优惠券</source>
        <translation>Coupon banner</translation>
    </message>
    <message>
        <source>秒杀倒计时</source>
        <translation>Flash-sale countdown</translation>
    </message>
    <message>
        <source>评论滚动</source>
        <translation>Comment ticker</translation>
    </message>
    <message>
        <source>置顶评论</source>
        <translation>Pinned comment</translation>
    </message>
    <message>
        <source>回复卡</source>
        <translation>Reply card</translation>
    </message>
    <message>
        <source>讲解选中商品</source>
        <translation>Pin the selected product</translation>
    </message>
    <message>
        <source>上一个商品</source>
        <translation>Previous product</translation>
    </message>
    <message>
        <source>下一个商品</source>
        <translation>Next product</translation>
    </message>
    <message>
        <source>提词器：暂停、速度、全屏</source>
        <translation>Teleprompter: pause, speed, fullscreen</translation>
    </message>
    <message>
        <source>开播</source>
        <translation>Go live</translation>
    </message>
    <message>
        <source>停播</source>
        <translation>Stop</translation>
    </message>
    <message>
        <source>静音 / 取消静音</source>
        <translation>Mute / unmute</translation>
    </message>
    <message>
        <source>场次复盘</source>
        <translation>Session review</translation>
    </message>
    <message>
        <source>回复选中的提问（上屏）</source>
        <translation>Answer the selected question on stream</translation>
    </message>
    <message>
        <source>撤销上一个直播操作（改价、库存、讲解、发券、秒杀、回复、公告）</source>
        <translation>Undo the last live action (price, stock, pin, coupon, flash sale, reply, notice)</translation>
    </message>
    <message>
        <source>快捷键</source>
        <translation>This help</translation>
    </message>
    <message>
        <source>主播中控台</source>
        <translation>Anchor Console</translation>
    </message>
    <message>
        <source>拖动画面上的叠加层来摆放（Esc 取消）</source>
        <translation>drag the overlays on the picture to place them (Esc cancels)</translation>
    </message>
    <message>
        <source>未开播</source>
        <translation>not live</translation>
    </message>
    <message>
        <source>重置布局</source>
        <translation>Reset layout</translation>
    </message>
    <message>
        <source>停靠窗口回到默认位置和大小</source>
        <translation>Docks back to their default places and sizes</translation>
    </message>
    <message>
        <source>视图</source>
        <translation>View</translation>
    </message>
    <message>
        <source>撤销</source>
        <translation>Undo</translation>
    </message>
    <message>
        <source>编辑</source>
        <translation>Edit</translation>
    </message>
    <message>
        <source>场次复盘…</source>
        <translation>Session review…</translation>
    </message>
    <message>
        <source>复盘</source>
        <translation>Review</translation>
    </message>
    <message>
        <source>布局已重置</source>
        <translation>Layout reset</translation>
    </message>
    <message>
        <source>允许局域网场控…</source>
        <translation>Allow LAN assistants…</translation>
    </message>
    <message>
        <source>远程场控</source>
        <comment>menu and status</comment>
        <translation>Remote</translation>
    </message>
    <message>
        <source>允许控制面板（obs-websocket）…</source>
        <translation>Allow control surfaces (obs-websocket)…</translation>
    </message>
    <message>
        <source>Stream Deck、Touch Portal、Companion 或脚本用 obs-websocket v5 切场景、静音、讲解商品</source>
        <translation>Stream Deck, Touch Portal, Companion or scripts switch scenes, mute and pin products over obs-websocket v5</translation>
    </message>
    <message>
        <source>检查</source>
        <translation>Check</translation>
    </message>
    <message>
        <source>平台数据接口…</source>
        <translation>Platform bridge…</translation>
    </message>
    <message>
        <source>直播间数据</source>
        <translation>Feed</translation>
    </message>
    <message>
        <source>直播</source>
        <translation>Live</translation>
    </message>
    <message>
        <source>推流服务器（可直接粘贴完整推流地址，密钥会移到右边并隐藏）</source>
        <translation>Push server (paste the whole push URL here: the key moves to the right and is hidden)</translation>
    </message>
    <message>
        <source>串流密钥（留空则只录制）</source>
        <translation>KEY (empty: record only)</translation>
    </message>
    <message>
        <source>平台…</source>
        <translation>Platform…</translation>
    </message>
    <message>
        <source>录制</source>
        <translation>Record</translation>
    </message>
    <message>
        <source>场次标题（如：双11 零食专场）</source>
        <translation>Session title (e.g. Snacks special)</translation>
    </message>
    <message>
        <source>模拟观众</source>
        <translation>Simulated audience</translation>
    </message>
    <message>
        <source>演练</source>
        <translation>Rehearsal</translation>
    </message>
    <message>
        <source>演练：可用模拟观众，画面带“演练”角标，只录制或推到测试服务器；直播：只接收真实直播间数据</source>
        <translation>Rehearsal: simulated audience allowed, every frame marked, recording or a test server only. Live: real room events only</translation>
    </message>
    <message>
        <source>开播前检查</source>
        <translation>Pre-live check</translation>
    </message>
    <message>
        <source>推流服务器握手（不发送密钥）、磁盘、极限词、库存与直播价、优惠券、直播间数据</source>
        <translation>server handshake (key not sent), disk, extreme words, stock and prices, coupons, room feed</translation>
    </message>
    <message>
        <source>开播前检查 + 上行测速…</source>
        <translation>Pre-live check + upload test…</translation>
    </message>
    <message>
        <source>测试图</source>
        <translation>Test pattern</translation>
    </message>
    <message>
        <source>摄像头</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>媒体文件…</source>
        <translation>Media file…</translation>
    </message>
    <message>
        <source>画面来源</source>
        <translation>video source</translation>
    </message>
    <message>
        <source>摄像头：同画布</source>
        <translation>Camera: as canvas</translation>
    </message>
    <message>
        <source>向摄像头请求的分辨率/帧率（与画布无关，画面按画布缩放）</source>
        <translation>resolution/fps asked of the camera, apart from the canvas (fitted to it)</translation>
    </message>
    <message>
        <source>镜像</source>
        <translation>Mirror</translation>
    </message>
    <message>
        <source>画布：抖音、淘宝手机直播间用竖屏</source>
        <translation>canvas: portrait for phone live rooms</translation>
    </message>
    <message>
        <source>保存密钥</source>
        <translation>Save key</translation>
    </message>
    <message>
        <source>画面</source>
        <translation>Picture</translation>
    </message>
    <message>
        <source>提词器（第二屏）：打开 / 关闭</source>
        <translation>Teleprompter (second screen): open / close</translation>
    </message>
    <message>
        <source>切换到第 1–9 个场景</source>
        <translation>Switch to scene 1–9</translation>
    </message>
    <message>
        <source>退出</source>
        <translation>Quit</translation>
    </message>
    <message>
        <source>文件</source>
        <translation>File</translation>
    </message>
    <message>
        <source>绿幕抠像与美颜…</source>
        <translation>Green screen and beauty…</translation>
    </message>
    <message>
        <source>编辑场景…</source>
        <translation>Edit scenes…</translation>
    </message>
    <message>
        <source>静音</source>
        <translation>Mute</translation>
    </message>
    <message>
        <source>麦克风：系统默认</source>
        <translation>Microphone: system default</translation>
    </message>
    <message>
        <source>不用麦克风</source>
        <translation>No microphone</translation>
    </message>
    <message>
        <source>摄像头画面配的声音（媒体文件和测试图用自带的声音）</source>
        <translation>The sound that goes with a camera (media files and the test pattern bring their own)</translation>
    </message>
    <message>
        <source>声音峰值（dBFS）：长时间贴近 0 会爆音</source>
        <translation>audio peak (dBFS): near 0 for long means clipping</translation>
    </message>
    <message>
        <source>场景已更新</source>
        <translation>Scenes updated</translation>
    </message>
    <message>
        <source>当前是演练模式，但填了推流地址</source>
        <translation>Rehearsal is chosen, but a destination is filled in</translation>
    </message>
    <message>
        <source>演练的画面带“演练”角标、可能有模拟评论与订单，只能推到私有测试服务器。</source>
        <translation>A rehearsal is marked on every frame and may show simulated comments and orders: push it only to a private test server.</translation>
    </message>
    <message>
        <source>这是测试服务器，演练</source>
        <translation>It is a test server: rehearse</translation>
    </message>
    <message>
        <source>切换到直播（真实观众）</source>
        <translation>Switch to Live (real audience)</translation>
    </message>
    <message>
        <source>取消</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <source>粘贴平台给的串流密钥到地址末尾</source>
        <translation>paste the platform&apos;s stream key at the end</translation>
    </message>
    <message>
        <source>媒体文件</source>
        <translation>Media file</translation>
    </message>
    <message>
        <source>叠加层</source>
        <translation>Overlays</translation>
    </message>
    <message>
        <source>位置</source>
        <translation>Position</translation>
    </message>
    <message>
        <source>全部复位</source>
        <translation>Reset all</translation>
    </message>
    <message>
        <source>手机机位 / 连麦嘉宾…</source>
        <translation>Phone camera / guest…</translation>
    </message>
    <message>
        <source>手机或嘉宾的浏览器扫码成为画面来源，无需安装应用</source>
        <translation>A phone or a guest&apos;s browser scans a code and becomes a picture source: nothing to install</translation>
    </message>
    <message>
        <source>管理</source>
        <translation>Moderation</translation>
    </message>
    <message>
        <source>屏蔽词…</source>
        <translation>Banned words</translation>
    </message>
    <message>
        <source>屏蔽词</source>
        <translation>Banned words</translation>
    </message>
    <message>
        <source>关键词高亮…</source>
        <translation>Highlighted keywords</translation>
    </message>
    <message>
        <source>关键词</source>
        <translation>Keywords</translation>
    </message>
    <message>
        <source>预警规则…</source>
        <translation>Alert rules…</translation>
    </message>
    <message>
        <source>直播中何时提醒：在线下跌、转化偏低、库存、投诉词、券和秒杀剩余、推流健康</source>
        <translation>When to be warned while live: online falling, low conversion, stock, complaint words, coupons and flash sales left, the stream&apos;s health</translation>
    </message>
    <message>
        <source>删除观众数据…</source>
        <translation>Erase a viewer&apos;s data…</translation>
    </message>
    <message>
        <source>观众要求删除个人信息时：按平台ID或昵称找到账号，删除其ID与昵称，计数保留</source>
        <translation>When a viewer asks for their personal data to be erased: find the account by platform id or nickname, erase its id and name, keep the counts</translation>
    </message>
    <message>
        <source>保留策略…</source>
        <translation>Retention policy…</translation>
    </message>
    <message>
        <source>场次保留多久、观众的ID与昵称何时换成化名</source>
        <translation>How long shows are kept, and when viewers&apos; ids and nicknames become pseudonyms</translation>
    </message>
    <message>
        <source>预警规则已更新（下次开播生效）</source>
        <translation>Alert rules updated (from the next go-live)</translation>
    </message>
    <message>
        <source>每行一个</source>
        <translation>one per line</translation>
    </message>
    <message>
        <source>已拉黑，其后续评论将被隐藏</source>
        <translation>blocked: their comments are hidden from now on</translation>
    </message>
    <message>
        <source>屏蔽词已更新</source>
        <translation>banned words updated</translation>
    </message>
    <message>
        <source>左上角 x,y（画面像素）</source>
        <translation>top-left x,y in canvas pixels</translation>
    </message>
    <message>
        <source>格式应为 x,y</source>
        <translation>expected x,y</translation>
    </message>
    <message>
        <source>已摆放</source>
        <translation>placed</translation>
    </message>
    <message>
        <source>叠加层已回到默认位置</source>
        <translation>overlays are back in their default places</translation>
    </message>
    <message>
        <source>导入商品</source>
        <translation>Import catalogue</translation>
    </message>
    <message>
        <source>未导入</source>
        <translation>not imported</translation>
    </message>
    <message>
        <source>（下次开播生效）</source>
        <translation> (takes effect at the next go-live)</translation>
    </message>
    <message>
        <source>已导入 {count} 个商品</source>
        <translation>imported {count} products</translation>
    </message>
    <message>
        <source>优惠券已保存</source>
        <translation>coupon saved</translation>
    </message>
    <message>
        <source>请先填写推流地址</source>
        <translation>enter the RTMP URL first</translation>
    </message>
    <message>
        <source>（密钥在系统钥匙串）</source>
        <translation>(key in the OS keyring)</translation>
    </message>
    <message>
        <source>直播间数据来源</source>
        <translation>Room events from</translation>
    </message>
    <message>
        <source>douyin-grab://127.0.0.1:8888（抖音弹幕监听器）、bilibili://房间号、或桥接程序的 ws:// 地址（留空则用模拟观众）</source>
        <translation>douyin-grab://127.0.0.1:8888 (DouyinBarrageGrab), bilibili://ROOM, or a bridge&apos;s ws:// URL (empty: simulated audience)</translation>
    </message>
    <message>
        <source>下次开播使用平台数据</source>
        <translation>the next go-live uses the platform bridge</translation>
    </message>
    <message>
        <source>下次开播使用模拟观众</source>
        <translation>the next go-live uses the simulated audience</translation>
    </message>
    <message>
        <source>无法开启远程场控</source>
        <translation>cannot allow LAN assistants</translation>
    </message>
    <message>
        <source>仅本机</source>
        <translation>this machine only</translation>
    </message>
    <message>
        <source>局域网</source>
        <translation>the studio LAN</translation>
    </message>
    <message>
        <source>已加密 wss://，证书指纹在配对码里</source>
        <translation>encrypted (wss://); the certificate fingerprint is in the code</translation>
    </message>
    <message>
        <source>未加密 ws://：配对码会以明文经过网络</source>
        <translation>NOT encrypted (ws://): the token crosses the network in clear</translation>
    </message>
    <message>
        <source>远程场控</source>
        <translation>Remote assistants</translation>
    </message>
    <message>
        <source>监听</source>
        <translation>Listening on</translation>
    </message>
    <message>
        <source>把配对码交给场控（只给场控看），在场控电脑的 anchor-console assist --window 中粘贴：</source>
        <translation>Give the assistant the pairing code (to them only); they paste it into anchor-console assist --window:</translation>
    </message>
    <message>
        <source>或运行</source>
        <translation>or run</translation>
    </message>
    <message>
        <source>配对码</source>
        <translation>token</translation>
    </message>
    <message>
        <source>控制面板</source>
        <translation>Control surfaces</translation>
    </message>
    <message>
        <source>密码（留空则仅本机可连）</source>
        <translation>Password (blank: this machine only)</translation>
    </message>
    <message>
        <source>无法开启控制面板</source>
        <translation>Cannot allow control surfaces</translation>
    </message>
    <message>
        <source>拒绝配对</source>
        <translation>refused pairings</translation>
    </message>
    <message>
        <source>锁定地址</source>
        <translation>addresses locked</translation>
    </message>
    <message>
        <source>快捷键</source>
        <comment>dialog title</comment>
        <translation>Shortcuts</translation>
    </message>
    <message>
        <source>上行测速会用推流密钥推送测试画面 10 秒（在平台上是一次短暂开播）。继续？</source>
        <translation>The upload test pushes the test pattern with the stream key for 10 s (on a platform that is a short live). Go on?</translation>
    </message>
    <message>
        <source>检查中…</source>
        <translation>checking…</translation>
    </message>
    <message>
        <source>{failed} 项未通过</source>
        <translation>{failed} failed</translation>
    </message>
    <message>
        <source>全部通过</source>
        <translation>all passed</translation>
    </message>
    <message>
        <source>开播中…</source>
        <translation>going live…</translation>
    </message>
    <message>
        <source>开播失败</source>
        <translation>could not go live</translation>
    </message>
    <message>
        <source>开始演练吗？（画面带“演练”角标）</source>
        <translation>Start the rehearsal? (every frame is marked)</translation>
    </message>
    <message>
        <source>确定开播吗？直播只接收真实直播间数据。</source>
        <translation>Go live now? Live takes real room events only.</translation>
    </message>
    <message>
        <source>话术/商品中发现《广告法》极限词</source>
        <translation>extreme words found</translation>
    </message>
    <message>
        <source>仍然开播吗？</source>
        <translation>Go live anyway?</translation>
    </message>
    <message>
        <source>已开播</source>
        <translation>live</translation>
    </message>
    <message>
        <source>摄像头实际</source>
        <translation>camera gives</translation>
    </message>
    <message>
        <source>确定停播吗？</source>
        <translation>Stop the stream?</translation>
    </message>
    <message>
        <source>演练中</source>
        <translation>REHEARSAL</translation>
    </message>
    <message>
        <source>直播中</source>
        <comment>on-air light</comment>
        <translation>LIVE</translation>
    </message>
    <message>
        <source>停播中…</source>
        <translation>stopping…</translation>
    </message>
    <message>
        <source>已停播</source>
        <translation>stopped</translation>
    </message>
    <message>
        <source>录像</source>
        <translation>recording</translation>
    </message>
    <message>
        <source>已撤销</source>
        <translation>undone</translation>
    </message>
    <message>
        <source>预览 · 未开播</source>
        <translation>PREVIEW</translation>
    </message>
    <message>
        <source>已静音</source>
        <translation>MUTED</translation>
    </message>
    <message>
        <source>重连</source>
        <translation>reconnecting</translation>
    </message>
    <message>
        <source>丢</source>
        <translation>lost</translation>
    </message>
    <message>
        <source>弹幕源</source>
        <translation>feed</translation>
    </message>
    <message>
        <source>弹幕源重连</source>
        <translation>feed reconnecting</translation>
    </message>
    <message>
        <source>静默</source>
        <translation>quiet</translation>
    </message>
    <message>
        <source>手机机位</source>
        <translation>Phone camera</translation>
    </message>
    <message>
        <source>连麦嘉宾</source>
        <translation>Guest</translation>
    </message>
    <message>
        <source>等待扫码</source>
        <translation>Waiting for the scan</translation>
    </message>
    <message>
        <source>二维码已过期，请重新生成</source>
        <translation>The code expired: make a new one</translation>
    </message>
    <message>
        <source>已加入</source>
        <translation>Joined</translation>
    </message>
    <message>
        <source>手机机位 / 连麦嘉宾</source>
        <translation>Phone camera / guest</translation>
    </message>
    <message>
        <source>手机1</source>
        <translation>Phone 1</translation>
    </message>
    <message>
        <source>生成二维码</source>
        <translation>Make QR code</translation>
    </message>
    <message>
        <source>上播</source>
        <translation>Put on air</translation>
    </message>
    <message>
        <source>挂断并作废链接</source>
        <translation>Hang up and void the link</translation>
    </message>
    <message>
        <source>声音进节目</source>
        <translation>Sound in the program</translation>
    </message>
    <message>
        <source>上播时把这个机位的声音混入直播（连麦嘉宾默认开；手机机位默认关，主播的麦克风是节目的声音）</source>
        <translation>While on air, mix this seat&apos;s sound into the show (on by default for a guest, off for a phone camera: the host&apos;s microphone is the show&apos;s sound)</translation>
    </message>
    <message>
        <source>点“生成二维码”，用手机相机扫描</source>
        <translation>Press &quot;Make QR code&quot; and scan it with the phone&apos;s camera</translation>
    </message>
    <message>
        <source>机位</source>
        <translation>Seat</translation>
    </message>
    <message>
        <source>音量</source>
        <translation>Level</translation>
    </message>
    <message>
        <source>链接（手机与本机在同一局域网）</source>
        <translation>Link (the phone on the same LAN as this machine)</translation>
    </message>
    <message>
        <source>手机浏览器会提示证书不受信任：核对指纹后选择继续访问。在“编辑场景”里把机位放进场景。</source>
        <translation>The phone&apos;s browser warns that the certificate is not trusted: compare the fingerprint, then continue. Place the seat in a scene in Edit scenes.</translation>
    </message>
    <message>
        <source>证书指纹</source>
        <translation>Certificate fingerprint</translation>
    </message>
    <message>
        <source>分钟内有效</source>
        <translation>minutes to use it</translation>
    </message>
    <message>
        <source>这个机位还没有邀请</source>
        <translation>This seat has no invitation yet</translation>
    </message>
    <message>
        <source>已挂断，链接已作废</source>
        <translation>Hung up; the link is void</translation>
    </message>
    <message>
        <source>下播</source>
        <translation>Take off air</translation>
    </message>
    <message>
        <source>未邀请</source>
        <translation>Not invited</translation>
    </message>
    <message>
        <source>还不在任何场景中：在“编辑场景”里添加</source>
        <translation>In no scene yet: add it in Edit scenes</translation>
    </message>
    <message>
        <source>在线</source>
        <translation>online</translation>
    </message>
    <message>
        <source>信号中断，等待重连</source>
        <translation>Signal lost, waiting to reconnect</translation>
    </message>
    <message>
        <source>未上播</source>
        <translation>Not on air</translation>
    </message>
    <message>
        <source>暂无画面</source>
        <translation>No picture yet</translation>
    </message>
    <message>
        <source>编码</source>
        <translation>encode</translation>
    </message>
    <message>
        <source>丢帧</source>
        <translation>drops</translation>
    </message>
    <message>
        <source>未找到</source>
        <translation>not found</translation>
    </message>
    <message>
        <source>正在直播，确定退出？</source>
        <translation>Live now: stop and quit?</translation>
    </message>
    <message>
        <source>未开播 · 点击「开播」开始</source>
        <translation>Not live · press Go live</translation>
    </message>
    <message>
        <source>允许局域网场控</source>
        <translation>Allow LAN assistants</translation>
    </message>
    <message>
        <source>局域网（所有网卡）</source>
        <translation>The studio LAN (every interface)</translation>
    </message>
    <message>
        <source>仅本机</source>
        <comment>choice</comment>
        <translation>This machine only</translation>
    </message>
    <message>
        <source>加密 wss://（推荐：配对码不以明文经过网络）</source>
        <translation>Encrypt with wss:// (recommended: the token never crosses the LAN in clear)</translation>
    </message>
    <message>
        <source>监听</source>
        <comment>form field</comment>
        <translation>Listen on</translation>
    </message>
    <message>
        <source>端口</source>
        <translation>Port</translation>
    </message>
    <message>
        <source>远程场控</source>
        <comment>window title</comment>
        <translation>Remote assistant</translation>
    </message>
    <message>
        <source>连接</source>
        <translation>Connection</translation>
    </message>
    <message>
        <source>配对码（可整段粘贴）</source>
        <translation>pairing code or token</translation>
    </message>
    <message>
        <source>连接</source>
        <comment>button</comment>
        <translation>Connect</translation>
    </message>
    <message>
        <source>未连接</source>
        <translation>not connected</translation>
    </message>
    <message>
        <source>中控台</source>
        <translation>Console</translation>
    </message>
    <message>
        <source>名字</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>画面在主播的电脑上；这里只做场控</source>
        <translation>the picture is on the streamer&apos;s PC; this window works the room</translation>
    </message>
    <message>
        <source>连接失败</source>
        <translation>cannot connect</translation>
    </message>
    <message>
        <source>已连接</source>
        <translation>connected</translation>
    </message>
    <message>
        <source>请先连接中控台</source>
        <translation>connect to the console first</translation>
    </message>
    <message>
        <source>连接中断</source>
        <translation>connection lost</translation>
    </message>
    <message>
        <source>已断开</source>
        <translation>disconnected</translation>
    </message>
    <message>
        <source>直播中</source>
        <translation>live</translation>
    </message>
    <message>
        <source>复盘</source>
        <comment>window title</comment>
        <translation>Session review</translation>
    </message>
    <message>
        <source>选择左侧场次</source>
        <translation>pick a session on the left</translation>
    </message>
    <message>
        <source>▶ 播放</source>
        <translation>▶ Play</translation>
    </message>
    <message>
        <source>导出 CSV…</source>
        <translation>Export CSV…</translation>
    </message>
    <message>
        <source>分析</source>
        <translation>Analyse</translation>
    </message>
    <message>
        <source>读取这段时间每一场真实直播（不含演练）</source>
        <translation>Read every real show of the period (rehearsals left out)</translation>
    </message>
    <message>
        <source>导出表格…</source>
        <translation>Export tables…</translation>
    </message>
    <message>
        <source>每张表一个 CSV 文件（Excel 直接打开）</source>
        <translation>One CSV file per table (opens in Excel as it is)</translation>
    </message>
    <message>
        <source>导出报告…</source>
        <translation>HTML report…</translation>
    </message>
    <message>
        <source>一个 HTML 文件：表格、每周成交图、留存热力图</source>
        <translation>One HTML file: the tables, the weekly GMV chart, the retention heat map</translation>
    </message>
    <message>
        <source>选好时间段，点 分析</source>
        <translation>Choose the period, then click Analyse</translation>
    </message>
    <message>
        <source>从</source>
        <translation>From</translation>
    </message>
    <message>
        <source>到</source>
        <translation>to</translation>
    </message>
    <message>
        <source>每周成交额（元）</source>
        <translation>GMV per week (yuan)</translation>
    </message>
    <message>
        <source>主播</source>
        <translation>Hosts</translation>
    </message>
    <message>
        <source>开播时段</source>
        <translation>Start hours</translation>
    </message>
    <message>
        <source>每场观众：新观众与回访</source>
        <translation>Each show&apos;s viewers: new and returning</translation>
    </message>
    <message>
        <source>复购（最近 30 / 90 天）</source>
        <translation>Repeat buyers (last 30 / 90 days)</translation>
    </message>
    <message>
        <source>概览</source>
        <translation>Overview</translation>
    </message>
    <message>
        <source>场次</source>
        <translation>Shows</translation>
    </message>
    <message>
        <source>昵称</source>
        <translation>Nickname</translation>
    </message>
    <message>
        <source>事件</source>
        <translation>Events</translation>
    </message>
    <message>
        <source>首次 / 最近</source>
        <translation>First / latest</translation>
    </message>
    <message>
        <source>删除观众数据</source>
        <translation>Erase a viewer&apos;s data</translation>
    </message>
    <message>
        <source>观众的平台ID或完整昵称</source>
        <translation>The viewer&apos;s platform id or full nickname</translation>
    </message>
    <message>
        <source>查找</source>
        <translation>Find</translation>
    </message>
    <message>
        <source>删除所选观众的数据…</source>
        <translation>Erase the selected viewer&apos;s data…</translation>
    </message>
    <message>
        <source>只删除已结束场次中的数据；计数保留，录像画面无法更改</source>
        <translation>Only ended shows are changed; counts are kept; the recording&apos;s pictures cannot be changed</translation>
    </message>
    <message>
        <source>关闭</source>
        <translation>Close</translation>
    </message>
    <message>
        <source>查找中…</source>
        <translation>Searching…</translation>
    </message>
    <message>
        <source>查找失败：{error}</source>
        <translation>Search failed: {error}</translation>
    </message>
    <message>
        <source>找到 {n} 个账号</source>
        <translation>{n} account(s) found</translation>
    </message>
    <message>
        <source>没有找到这位观众</source>
        <translation>No such viewer found</translation>
    </message>
    <message>
        <source>删除 {platform} 账号 {id} 在 {shows} 场中的 {events} 条记录？ID 与昵称换成代号，计数保留，无法撤销。</source>
        <translation>Erase {events} records of {platform} account {id} in {shows} show(s)? The id and nickname become a token, counts are kept; this cannot be undone.</translation>
    </message>
    <message>
        <source>删除中…</source>
        <translation>Erasing…</translation>
    </message>
    <message>
        <source>删除失败：{error}</source>
        <translation>Erase failed: {error}</translation>
    </message>
    <message>
        <source>没有可删除的记录</source>
        <translation>Nothing to erase</translation>
    </message>
    <message>
        <source>已删除：{shows} 场中的 {events} 条记录，代号 {token}</source>
        <translation>Erased: {events} records in {shows} show(s), now {token}</translation>
    </message>
    <message>
        <source>；直播中的 {n} 场未动，结束后再删一次</source>
        <translation>; {n} show(s) still live not touched: erase again after they end</translation>
    </message>
    <message>
        <source>；福袋已先核验：{draws}</source>
        <translation>; lucky draws checked first: {draws}</translation>
    </message>
    <message>
        <source>每段讲解</source>
        <translation>Explanations</translation>
    </message>
    <message>
        <source>主播与时段</source>
        <translation>Hosts and hours</translation>
    </message>
    <message>
        <source>观众</source>
        <translation>Audience</translation>
    </message>
    <message>
        <source>留存：某周首次进房的观众，之后每周再来的比例</source>
        <translation>Retention: of the viewers first seen in a week, the share back in each later week</translation>
    </message>
    <message>
        <source>留存</source>
        <translation>Retention</translation>
    </message>
    <message>
        <source>A/B 对比</source>
        <translation>A/B</translation>
    </message>
    <message>
        <source>键=值：host=主播、tag=标签、slot=开播小时、weekday=星期（1–7）、platform=平台、title=标题包含、ids=场次号,场次号；多个条件用 &amp; 连接</source>
        <translation>KEY=VALUE: host=host, tag=label, slot=start hour, weekday=1–7, platform=platform, title=text in the title, ids=show,show; join several with &amp;</translation>
    </message>
    <message>
        <source>对比两组</source>
        <translation>Compare the groups</translation>
    </message>
    <message>
        <source>先分析一个时间段，再写两组场次的条件</source>
        <translation>Analyse a period first, then write the two groups&apos; filters</translation>
    </message>
    <message>
        <source>开始日期晚于结束日期</source>
        <translation>The start date is after the end date</translation>
    </message>
    <message>
        <source>分析中…（第一次读取时会整理每一场，稍等）</source>
        <translation>Analysing… (the first reading prepares every show: a moment)</translation>
    </message>
    <message>
        <source>分析失败</source>
        <translation>Analysis failed</translation>
    </message>
    <message>
        <source>导出到文件夹</source>
        <translation>Export to a folder</translation>
    </message>
    <message>
        <source>一个 HTML 文件：指标、曲线、商品讲解，可邮件发送或手机打开</source>
        <translation>one HTML file: figures, curves, product windows; mail it or open it on a phone</translation>
    </message>
    <message>
        <source>对比场次…</source>
        <translation>Compare…</translation>
    </message>
    <message>
        <source>按住 Ctrl 在左侧选两个或更多场次，在“场次对比”页并排查看</source>
        <translation>Hold Ctrl to select two or more sessions on the left; they are set side by side on the Compare page</translation>
    </message>
    <message>
        <source>导入订单…</source>
        <translation>Import orders…</translation>
    </message>
    <message>
        <source>店铺后台导出的订单（抖店 / 巨量百应 / 千牛，CSV 或 XLSX）按下单时间放到本场时间轴上</source>
        <translation>the shop&apos;s order export (抖店 / 巨量百应 / 千牛, CSV or XLSX), placed on this session&apos;s timeline by order time</translation>
    </message>
    <message>
        <source>复盘工具</source>
        <translation>Review tools</translation>
    </message>
    <message>
        <source>存证包…</source>
        <translation>Records bundle…</translation>
    </message>
    <message>
        <source>这一场的记录导出为存证包：事件、哈希链、录像原件、清单（签名）；另一台电脑用 records verify 校验</source>
        <translation>Export this show&apos;s records as a bundle: events, hash chain, the recording as recorded, a (signed) manifest; another computer checks it with records verify</translation>
    </message>
    <message>
        <source>存证包放在</source>
        <translation>Put the records bundle in</translation>
    </message>
    <message>
        <source>正在导出存证包…</source>
        <translation>Exporting the records bundle…</translation>
    </message>
    <message>
        <source>存证包未导出</source>
        <translation>Records bundle not exported</translation>
    </message>
    <message>
        <source>存证包已导出</source>
        <translation>Records bundle exported</translation>
    </message>
    <message>
        <source>导出切片…</source>
        <translation>Export clips…</translation>
    </message>
    <message>
        <source>标签…</source>
        <translation>Labels…</translation>
    </message>
    <message>
        <source>给选中的场次打标签（如 新话术、旧话术），多场分析的 A/B 对比按标签分组</source>
        <translation>Label the selected shows (e.g. new script, old script): A/B in Insights groups shows by label</translation>
    </message>
    <message>
        <source>多场分析</source>
        <translation>Insights</translation>
    </message>
    <message>
        <source>一段时间的每一场并排：周、主播、时段、商品、观众回访与留存、复购、A/B</source>
        <translation>Every show of a period side by side: weeks, hosts, hours, products, returning viewers and retention, repeat buyers, A/B</translation>
    </message>
    <message>
        <source>在线人数 · 讲解时段 · 发券/秒杀</source>
        <translation>Online · product windows · coupons/flash sales</translation>
    </message>
    <message>
        <source>成交额</source>
        <translation>GMV</translation>
    </message>
    <message>
        <source>退款 / 净成交</source>
        <translation>Refunds / net GMV</translation>
    </message>
    <message>
        <source>订单</source>
        <translation>Orders</translation>
    </message>
    <message>
        <source>买家</source>
        <translation>Buyers</translation>
    </message>
    <message>
        <source>客单价 / 笔单价</source>
        <translation>Per buyer / per order</translation>
    </message>
    <message>
        <source>UV价值</source>
        <translation>UV value</translation>
    </message>
    <message>
        <source>转化率</source>
        <translation>Conversion</translation>
    </message>
    <message>
        <source>在线 峰值/平均/最新</source>
        <translation>Online peak/avg/latest</translation>
    </message>
    <message>
        <source>评论/点赞 每分钟</source>
        <translation>Comments/likes per min</translation>
    </message>
    <message>
        <source>存证</source>
        <translation>Records</translation>
    </message>
    <message>
        <source>讲解</source>
        <comment>review column</comment>
        <translation>Explained</translation>
    </message>
    <message>
        <source>讲解观众</source>
        <translation>Window audience</translation>
    </message>
    <message>
        <source>退款</source>
        <translation>Refunds</translation>
    </message>
    <message>
        <source>转化</source>
        <translation>Conv.</translation>
    </message>
    <message>
        <source>常问</source>
        <translation>Asked</translation>
    </message>
    <message>
        <source>讲解观众：讲解开始时的在线人数加讲解期间新进房的观众，与整场的观看人数（UV，去重进房人数）不同</source>
        <translation>Window audience: the viewers online when the explanation began plus those who entered during it; not the session&apos;s UV (distinct viewers who entered)</translation>
    </message>
    <message>
        <source>双击跳到该商品第一次讲解</source>
        <translation>double-click: jump to the product&apos;s first window</translation>
    </message>
    <message>
        <source>开始</source>
        <translation>Start</translation>
    </message>
    <message>
        <source>一个商品讲解两次就有两行；双击跳到这次讲解</source>
        <translation>A product explained twice has two rows; double-click to jump to that explanation</translation>
    </message>
    <message>
        <source>按商品</source>
        <translation>By product</translation>
    </message>
    <message>
        <source>每次讲解</source>
        <translation>Each explanation</translation>
    </message>
    <message>
        <source>商品讲解时段</source>
        <translation>Product windows</translation>
    </message>
    <message>
        <source>播放点前 {seconds} 秒的评论</source>
        <translation>Comments in the {seconds} s before the playhead</translation>
    </message>
    <message>
        <source>看演练场次</source>
        <translation>Show rehearsals instead</translation>
    </message>
    <message>
        <source>演练与真实直播分开列出，从不混在一起</source>
        <translation>rehearsals are listed apart from real shows, never mixed</translation>
    </message>
    <message>
        <source>这一场没有可切的讲解</source>
        <translation>This show has no explanation to cut</translation>
    </message>
    <message>
        <source>切片导出到</source>
        <translation>Export clips to</translation>
    </message>
    <message>
        <source>讲解或成交高光切成 MP4 短视频（原画面或竖屏 9:16，可加商品卡、字幕、标志），附 manifest.csv：商品、起止、订单、GMV</source>
        <translation>Explanations or the moments that sold as short MP4 videos (original picture or vertical 9:16, with product card, caption, logo), with manifest.csv: product, start, end, orders, GMV</translation>
    </message>
    <message>
        <source>切片中…</source>
        <translation>Cutting clips…</translation>
    </message>
    <message>
        <source>切片 {i}/{n}</source>
        <translation>Clip {i}/{n}</translation>
    </message>
    <message>
        <source>切片失败</source>
        <translation>Clips failed</translation>
    </message>
    <message>
        <source>已取消：已导出 {made}/{n} 个切片</source>
        <translation>Cancelled: {made}/{n} clips exported</translation>
    </message>
    <message>
        <source>已导出 {n} 个切片和 manifest.csv 到 {folder}</source>
        <translation>Exported {n} clips and manifest.csv to {folder}</translation>
    </message>
    <message>
        <source>先在左侧选场次</source>
        <translation>Select shows on the left first</translation>
    </message>
    <message>
        <source>标签</source>
        <translation>Labels</translation>
    </message>
    <message>
        <source>标签用空格分开（空：清除）</source>
        <translation>labels separated by spaces (empty: clear)</translation>
    </message>
    <message>
        <source>已打标签</source>
        <translation>Labelled</translation>
    </message>
    <message>
        <source>所有工作室</source>
        <translation>All studios</translation>
    </message>
    <message>
        <source>共用数据库时，列出每个工作室的场次（运营视图）</source>
        <translation>on a shared database, list every studio&apos;s sessions (the manager&apos;s view)</translation>
    </message>
    <message>
        <source>单场复盘</source>
        <translation>Session</translation>
    </message>
    <message>
        <source>还没有真实直播：下面是演练场次</source>
        <translation>No real show yet: these are the rehearsals</translation>
    </message>
    <message>
        <source> · 中断</source>
        <translation> · interrupted</translation>
    </message>
    <message>
        <source> · 直播中</source>
        <translation> · live</translation>
    </message>
    <message>
        <source>◇ 演练 </source>
        <translation>◇ rehearsal </translation>
    </message>
    <message>
        <source>还没有场次：开播一次后再来复盘</source>
        <translation>no sessions yet: go live once, then review it</translation>
    </message>
    <message>
        <source>加载中…</source>
        <translation>loading…</translation>
    </message>
    <message>
        <source>这一场没有录像</source>
        <translation>this session has no recording</translation>
    </message>
    <message>
        <source>条事件</source>
        <translation>events</translation>
    </message>
    <message>
        <source>先选择一个场次</source>
        <translation>pick a session first</translation>
    </message>
    <message>
        <source>导入订单</source>
        <translation>Import orders</translation>
    </message>
    <message>
        <source>订单导出</source>
        <translation>Order exports</translation>
    </message>
    <message>
        <source>订单未导入</source>
        <translation>orders not imported</translation>
    </message>
    <message>
        <source>导出到</source>
        <translation>Export to</translation>
    </message>
    <message>
        <source>导出失败</source>
        <translation>export failed</translation>
    </message>
    <message>
        <source>已导出</source>
        <translation>exported</translation>
    </message>
    <message>
        <source>按住 Ctrl 选两个或更多场次</source>
        <translation>select two or more sessions (Ctrl-click)</translation>
    </message>
    <message>
        <source>按住 Ctrl 在左侧选两个或更多场次，再点 对比场次</source>
        <translation>Hold Ctrl to select two or more sessions on the left, then press Compare sessions</translation>
    </message>
    <message>
        <source>导出对比报告…</source>
        <translation>Export comparison…</translation>
    </message>
    <message>
        <source>一个 HTML 文件：指标并排、在线与累计成交曲线，可邮件发送或手机打开</source>
        <translation>One HTML file: the figures side by side, online and cumulative GMV curves; mail it or open it on a phone</translation>
    </message>
    <message>
        <source>在线人数（每分钟）</source>
        <translation>Online per minute</translation>
    </message>
    <message>
        <source>累计成交额（元）</source>
        <translation>Cumulative GMV (yuan)</translation>
    </message>
    <message>
        <source>对比失败</source>
        <translation>comparison failed</translation>
    </message>
    <message>
        <source>场次对比</source>
        <translation>Compare</translation>
    </message>
    <message>
        <source>已导出对比</source>
        <translation>comparison written</translation>
    </message>
    <message>
        <source>保存报告</source>
        <translation>Save report</translation>
    </message>
    <message>
        <source>无法复盘</source>
        <translation>cannot review</translation>
    </message>
    <message>
        <source>⏸ 暂停</source>
        <translation>⏸ Pause</translation>
    </message>
    <message>
        <source>讲解中：</source>
        <translation>explaining: </translation>
    </message>
    <message>
        <source>（已屏蔽）</source>
        <translation> (hidden)</translation>
    </message>
    <message>
        <source>开场</source>
        <translation>Opening</translation>
    </message>
    <message>
        <source>卖点</source>
        <translation>Selling points</translation>
    </message>
    <message>
        <source>价格锚定</source>
        <translation>Price anchor</translation>
    </message>
    <message>
        <source>逼单</source>
        <translation>Urgency</translation>
    </message>
    <message>
        <source>福利 / 引导</source>
        <translation>Call to action</translation>
    </message>
    <message>
        <source>提词器 — 不会出现在直播画面</source>
        <translation>Teleprompter — never on stream</translation>
    </message>
    <message>
        <source>提词器显示在哪块屏幕</source>
        <translation>which monitor the teleprompter is on</translation>
    </message>
    <message>
        <source>全屏</source>
        <translation>Fullscreen (F11)</translation>
    </message>
    <message>
        <source>速度</source>
        <translation>Speed</translation>
    </message>
    <message>
        <source>字号</source>
        <translation>Size</translation>
    </message>
    <message>
        <source>屏幕</source>
        <translation>Screen</translation>
    </message>
    <message>
        <source>未讲解商品</source>
        <translation>no product pinned</translation>
    </message>
    <message>
        <source>场景</source>
        <translation>Scenes</translation>
    </message>
    <message>
        <source>淡入淡出（0.3 秒）</source>
        <translation>Fade (0.3 s)</translation>
    </message>
    <message>
        <source>不勾选：直接切换</source>
        <translation>unticked: a cut</translation>
    </message>
    <message>
        <source>点击或按 Ctrl+数字 切换直播画面</source>
        <translation>Click, or press Ctrl+number, to switch what goes out</translation>
    </message>
    <message>
        <source>点击画面中的绿幕</source>
        <translation>Click the green screen</translation>
    </message>
    <message>
        <source>点击画面中的绿幕取色（取点击处周围的中间色）</source>
        <translation>Click the green screen to pick its colour (the median colour around the click)</translation>
    </message>
    <message>
        <source>绿幕抠像与美颜</source>
        <translation>Green screen and beauty</translation>
    </message>
    <message>
        <source>绿幕抠像（只对摄像头）</source>
        <translation>Green-screen key (the camera only)</translation>
    </message>
    <message>
        <source>从画面取色…</source>
        <translation>Pick from the picture…</translation>
    </message>
    <message>
        <source>在摄像头画面上点击绿幕</source>
        <translation>Click the green screen on the camera&apos;s picture</translation>
    </message>
    <message>
        <source>0 为关闭；只对摄像头，商品图不受影响</source>
        <translation>0 is off; the camera only, product pictures are never touched</translation>
    </message>
    <message>
        <source>抠像颜色</source>
        <translation>Key colour</translation>
    </message>
    <message>
        <source>相似度</source>
        <translation>Similarity</translation>
    </message>
    <message>
        <source>平滑</source>
        <translation>Smoothness</translation>
    </message>
    <message>
        <source>溢色去除</source>
        <translation>Spill reduction</translation>
    </message>
    <message>
        <source>美颜强度</source>
        <translation>Skin smoothing</translation>
    </message>
    <message>
        <source>抠掉绿幕后显示的图片（可不填）</source>
        <translation>The picture shown where the green screen is keyed out (optional)</translation>
    </message>
    <message>
        <source>选择…</source>
        <translation>Choose…</translation>
    </message>
    <message>
        <source>背景图</source>
        <translation>Background picture</translation>
    </message>
    <message>
        <source>没有摄像头画面：先让预览中的场景显示摄像头</source>
        <translation>No camera picture: let the preview&apos;s scene show the camera first</translation>
    </message>
    <message>
        <source>讲解商品图</source>
        <translation>Pinned product&apos;s picture</translation>
    </message>
    <message>
        <source>来源</source>
        <translation>Source</translation>
    </message>
    <message>
        <source>宽 %</source>
        <translation>W %</translation>
    </message>
    <message>
        <source>高 %</source>
        <translation>H %</translation>
    </message>
    <message>
        <source>不透明 %</source>
        <translation>Opacity %</translation>
    </message>
    <message>
        <source>显示</source>
        <translation>Shown</translation>
    </message>
    <message>
        <source>适配</source>
        <translation>Fit</translation>
    </message>
    <message>
        <source>裁左 %</source>
        <translation>Crop L %</translation>
    </message>
    <message>
        <source>裁上 %</source>
        <translation>Crop T %</translation>
    </message>
    <message>
        <source>裁右 %</source>
        <translation>Crop R %</translation>
    </message>
    <message>
        <source>裁下 %</source>
        <translation>Crop B %</translation>
    </message>
    <message>
        <source>完整显示</source>
        <translation>Whole (bars)</translation>
    </message>
    <message>
        <source>填满裁边</source>
        <translation>Fill (cut edges)</translation>
    </message>
    <message>
        <source>叠加层：</source>
        <translation>Overlay: </translation>
    </message>
    <message>
        <source>拖动来源改变位置</source>
        <translation>Drag a source to move it</translation>
    </message>
    <message>
        <source>编辑场景</source>
        <translation>Edit scenes</translation>
    </message>
    <message>
        <source>新建</source>
        <translation>New</translation>
    </message>
    <message>
        <source>复制</source>
        <translation>Copy</translation>
    </message>
    <message>
        <source>重命名</source>
        <translation>Rename</translation>
    </message>
    <message>
        <source>恢复默认场景</source>
        <translation>Default scenes</translation>
    </message>
    <message>
        <source>添加来源</source>
        <translation>Add source</translation>
    </message>
    <message>
        <source>删除来源</source>
        <translation>Remove source</translation>
    </message>
    <message>
        <source>新来源…</source>
        <translation>New source…</translation>
    </message>
    <message>
        <source>上移（到前面）</source>
        <translation>Up (to the front)</translation>
    </message>
    <message>
        <source>下移（到后面）</source>
        <translation>Down (to the back)</translation>
    </message>
    <message>
        <source>列表上方的来源显示在前面；位置与大小是画布的百分比，叠加层占满画布时保持它自己的位置</source>
        <translation>Sources higher in the list are in front; place and size are % of the canvas; an overlay over the whole canvas keeps its own place</translation>
    </message>
    <message>
        <source>场景（前九个：Ctrl+1…9）</source>
        <translation>Scenes (the first nine: Ctrl+1…9)</translation>
    </message>
    <message>
        <source>竖屏切片区域</source>
        <translation>Vertical clip region</translation>
    </message>
    <message>
        <source>这个场景在画面上时，竖屏切片（9:16）裁取的部分；不设定则用导出时选的区域</source>
        <translation>The part a vertical clip (9:16) takes while this scene is on air; unset: the region chosen at export</translation>
    </message>
    <message>
        <source>中心 X %</source>
        <translation>Centre X %</translation>
    </message>
    <message>
        <source>中心 Y %</source>
        <translation>Centre Y %</translation>
    </message>
    <message>
        <source>新场景</source>
        <translation>New scene</translation>
    </message>
    <message>
        <source>重命名场景</source>
        <translation>Rename scene</translation>
    </message>
    <message>
        <source>场景名称</source>
        <translation>Scene name</translation>
    </message>
    <message>
        <source>至少保留一个场景</source>
        <translation>Keep at least one scene</translation>
    </message>
    <message>
        <source>新来源</source>
        <translation>New source</translation>
    </message>
    <message>
        <source>来源名称（如：场控台、产品视频）</source>
        <translation>Source name (e.g. assistant desk, product video)</translation>
    </message>
    <message>
        <source>图片或视频文件…</source>
        <translation>Picture or video file…</translation>
    </message>
    <message>
        <source>手机机位 / 连麦嘉宾（扫码）</source>
        <translation>Phone camera / guest (scan a code)</translation>
    </message>
    <message>
        <source>在线下跌幅度</source>
        <translation>Online fall of</translation>
    </message>
    <message>
        <source>在线下跌的时间窗</source>
        <translation>Online fall within</translation>
    </message>
    <message>
        <source>在线少于此数不报</source>
        <translation>Not below this many online</translation>
    </message>
    <message>
        <source>转化低于本场中位的比例</source>
        <translation>Conversion below the show&apos;s median ×</translation>
    </message>
    <message>
        <source>讲解观众至少</source>
        <translation>Explanation audience at least</translation>
    </message>
    <message>
        <source>讲解至少进行</source>
        <translation>Explanation running at least</translation>
    </message>
    <message>
        <source>库存预警线</source>
        <translation>Stock at or below</translation>
    </message>
    <message>
        <source>投诉评论条数</source>
        <translation>Complaint comments</translation>
    </message>
    <message>
        <source>投诉的时间窗</source>
        <translation>Complaints within</translation>
    </message>
    <message>
        <source>同一原因的间隔</source>
        <translation>Same cause again after</translation>
    </message>
    <message>
        <source>直播间数据静默</source>
        <translation>Room feed silent for</translation>
    </message>
    <message>
        <source>预警规则</source>
        <translation>Alert rules</translation>
    </message>
    <message>
        <source>每行一个：评论里出现这些词就算投诉类</source>
        <translation>One a line: a comment with one of these words counts as a complaint</translation>
    </message>
    <message>
        <source>投诉词</source>
        <translation>Complaint words</translation>
    </message>
    <message>
        <source>校验中…</source>
        <translation>Checking…</translation>
    </message>
    <message>
        <source>无法校验</source>
        <translation>Cannot check</translation>
    </message>
    <message>
        <source>— 录制时还没有存证链</source>
        <translation>— recorded before logs were chained</translation>
    </message>
    <message>
        <source>签名指纹 {fingerprint}</source>
        <translation>signed by the key {fingerprint}</translation>
    </message>
    <message>
        <source>完好</source>
        <translation>intact</translation>
    </message>
    <message>
        <source>已封存</source>
        <translation>sealed</translation>
    </message>
    <message>
        <source>录像未正常结束：已校验到最后的摘要</source>
        <translation>recording did not close: verified to its last digest</translation>
    </message>
    <message>
        <source>录像录制时没有摘要</source>
        <translation>recording made before digests</translation>
    </message>
    <message>
        <source>录像完好</source>
        <translation>recording intact</translation>
    </message>
    <message>
        <source>福袋复核 {n} 次</source>
        <translation>{n} lucky draws recomputed</translation>
    </message>
    <message>
        <source>未封存（直播中或未正常结束）</source>
        <translation>not sealed (on air, or did not end cleanly)</translation>
    </message>
    <message>
        <source>已签名</source>
        <translation>signed</translation>
    </message>
    <message>
        <source>{n} 条已按请求删除个人信息</source>
        <translation>{n} with personal data erased on request</translation>
    </message>
    <message>
        <source>被改动：从第 {first} 环起 {n} 处</source>
        <translation>Altered: {n} findings from link {first} on</translation>
    </message>
    <message>
        <source>保留策略</source>
        <translation>Retention policy</translation>
    </message>
    <message>
        <source>天</source>
        <translation>days</translation>
    </message>
    <message>
        <source>《网络直播营销管理办法（试行）》要求保存直播记录不少于三年：默认 1095 天</source>
        <translation>Live-marketing rules ask for records kept at least three years: 1095 days by default</translation>
    </message>
    <message>
        <source>从不</source>
        <translation>never</translation>
    </message>
    <message>
        <source>到期后观众的ID与昵称换成化名：同一观众在各场是同一化名，计数、回访、复购不变</source>
        <translation>After this, viewers&apos; ids and nicknames become pseudonyms: one viewer, one pseudonym in every show; counts, returning viewers and repeat buyers unchanged</translation>
    </message>
    <message>
        <source>场次保留</source>
        <translation>Keep shows</translation>
    </message>
    <message>
        <source>观众去标识化</source>
        <translation>Pseudonymise viewers after</translation>
    </message>
    <message>
        <source>到期的场次连同录像删除；直播中的场次不受影响</source>
        <translation>Shows past it are deleted with their recordings; a show on air is never touched</translation>
    </message>
    <message>
        <source>立即执行</source>
        <translation>Apply now</translation>
    </message>
    <message>
        <source>现在按策略删除或去标识化到期的场次</source>
        <translation>Delete or pseudonymise the shows past the policy now</translation>
    </message>
    <message>
        <source>已保存：保留 {keep} 天，{pseudo} 天后去标识化</source>
        <translation>Saved: keep {keep} days, pseudonymise after {pseudo} days</translation>
    </message>
    <message>
        <source>已保存：保留 {keep} 天，从不去标识化</source>
        <translation>Saved: keep {keep} days, never pseudonymise</translation>
    </message>
    <message>
        <source>执行中…</source>
        <translation>Applying…</translation>
    </message>
    <message>
        <source>未执行</source>
        <translation>Not applied</translation>
    </message>
</context>
</TS>
